#!/usr/bin/env node
import "../dist/kvgit.mjs";
