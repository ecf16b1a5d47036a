// Placeholder entry; the CLI lands in its own commit.
process.stderr.write('kvgit: the CLI is not built yet\n');
process.exitCode = 1;
