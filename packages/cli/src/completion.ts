/**
 * Shell completion scripts, generated from the command data: command names (and `kv`, `metadata`,
 * `members`, `mounts` sub-commands), each command's flags and flag values, and its arguments —
 * secret paths (asked of `kvgit list` / `kvgit mounts list` as you type), mounts, files or fixed words.
 * zsh uses the bash script through bashcompinit, as Vault's own completion does.
 */
import { FIELD_FLAG, GLOBAL_FLAGS, type Command, type Flag } from './command';

function flagsOf(c: Command): Flag[] {
  const own = c.flags ?? [];
  const globals = GLOBAL_FLAGS.filter((g) => !own.some((f) => f.name === g.name));
  return [...own, ...globals, ...(c.field ? [FIELD_FLAG] : [])];
}

function flagWords(c: Command): string[] {
  return flagsOf(c).flatMap((f) => [f.name, ...(f.aliases ?? [])].map((n) => (f.type === 'bool' || f.type === 'boolptr' ? `-${n}` : `-${n}=`)));
}

function groups(commands: Command[]): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const c of commands) {
    const [head, sub] = c.name.split(' ');
    if (sub) g.set(head!, [...(g.get(head!) ?? []), sub]);
  }
  return g;
}

function topWords(commands: Command[]): string[] {
  return [...new Set(commands.map((c) => c.name.split(' ')[0]!)), 'kv'];
}

function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function bashScript(commands: Command[]): string {
  const kvTop = [...new Set(commands.filter((c) => c.kv).map((c) => c.name.split(' ')[0]!))];
  const cases = commands
    .map((c) => {
      const kind = Array.isArray(c.complete) ? 'words' : (c.complete ?? 'none');
      const words = Array.isArray(c.complete) ? (c.complete as readonly string[]).join(' ') : '';
      const values = flagsOf(c)
        .filter((f) => f.values)
        .map((f) => `      -${f.name}=*|--${f.name}=*) _kvgit_values ${sq(f.values!.join(' '))}; return ;;`)
        .join('\n');
      return `    ${sq(c.name)})\n      flags=${sq(flagWords(c).join(' '))}; kind=${kind}; words=${sq(words)}\n      case "$cur" in\n${values}\n      esac ;;`;
    })
    .join('\n');
  const groupCases = [...groups(commands)].map(([g, subs]) => `    ${g}) subs=${sq(subs.join(' '))} ;;`).join('\n');
  return `# kvgit completion for bash. Load it with: source <(kvgit completion bash)
_kvgit_values() {
  local prefix="\${cur%%=*}=" v="\${cur#*=}"
  # bash split the word at "=" (COMP_WORDBREAKS): only the value is replaced.
  [[ -n "$split" ]] && prefix=""
  COMPREPLY=($(compgen -P "$prefix" -W "$1" -- "$v"))
}

_kvgit_paths() {
  local dir="" cmd=\${KVGIT_COMPLETE_CMD:-kvgit}
  if [[ "$cur" == */* ]]; then
    dir="\${cur%/*}/"
    COMPREPLY=($(compgen -P "$dir" -W "$($cmd list "$dir" 2>/dev/null | tail -n +3)" -- "\${cur##*/}"))
  else
    COMPREPLY=($(compgen -W "$($cmd mounts list 2>/dev/null | tail -n +3 | cut -d' ' -f1)" -- "$cur"))
  fi
  [[ \${#COMPREPLY[@]} -eq 1 && "\${COMPREPLY[0]}" == */ ]] && compopt -o nospace 2>/dev/null
}

_kvgit_mounts() {
  local cmd=\${KVGIT_COMPLETE_CMD:-kvgit}
  COMPREPLY=($(compgen -W "$($cmd mounts list 2>/dev/null | tail -n +3 | cut -d' ' -f1)" -- "$cur"))
}

_kvgit() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" split="" i w words=() subs="" flags="" kind="none" name=""
  # bash splits "-format=js" into "-format", "=", "js": put the flag back together.
  if [[ "$cur" == "=" && $COMP_CWORD -ge 2 ]]; then
    cur="\${COMP_WORDS[COMP_CWORD-1]}="; split=1
  elif [[ $COMP_CWORD -ge 3 && "\${COMP_WORDS[COMP_CWORD-1]}" == "=" ]]; then
    cur="\${COMP_WORDS[COMP_CWORD-2]}=$cur"; split=1
  fi
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* || "$w" == "=" || "\${COMP_WORDS[i-1]}" == "=" ]] && continue
    words+=("$w")
  done
  local top=${sq(topWords(commands).join(' '))}
  if [[ "\${words[0]}" == kv ]]; then
    words=("\${words[@]:1}")
    top=${sq(kvTop.join(' '))}
  fi
  if [[ \${#words[@]} -eq 0 ]]; then
    [[ "$cur" == -* ]] && { COMPREPLY=($(compgen -W ${sq(flagWords({ ...commands[0]!, flags: [] }).join(' '))} -- "$cur")); return; }
    COMPREPLY=($(compgen -W "$top" -- "$cur"))
    return
  fi
  name="\${words[0]}"
  case "$name" in
${groupCases}
  esac
  if [[ -n "$subs" ]]; then
    if [[ \${#words[@]} -lt 2 ]]; then
      COMPREPLY=($(compgen -W "$subs" -- "$cur"))
      return
    fi
    name="$name \${words[1]}"
  fi
  case "$name" in
${cases}
    *) return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    [[ \${#COMPREPLY[@]} -eq 1 && "\${COMPREPLY[0]}" == *= ]] && compopt -o nospace 2>/dev/null
    return
  fi
  case "$kind" in
    paths) _kvgit_paths ;;
    mounts) _kvgit_mounts ;;
    files) COMPREPLY=($(compgen -f -- "$cur")) ;;
    words) COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;
  esac
}
complete -F _kvgit kvgit
`;
}

export function zshScript(commands: Command[]): string {
  return `#compdef kvgit
# kvgit completion for zsh. Load it with: source <(kvgit completion zsh)
(( $+functions[compdef] )) || { autoload -U +X compinit && compinit -u; }
autoload -U +X bashcompinit && bashcompinit
${bashScript(commands).replace(/^# kvgit completion for bash.*\n/, '')}`;
}

export function fishScript(commands: Command[]): string {
  const lines = [
    '# kvgit completion for fish. Load it with: kvgit completion fish | source',
    '# The words typed so far, without flags and without a leading "kv".',
    'function __kvgit_words',
    '    set -l w (commandline -opc)',
    '    set -e w[1]',
    '    for x in $w',
    '        string match -q -- \'-*\' $x; or echo $x',
    '    end',
    'end',
    'function __kvgit_none',
    '    set -l w (__kvgit_words)',
    '    test (count $w) -eq 0; or begin; test (count $w) -eq 1; and test "$w[1]" = kv; end',
    'end',
    '# True when the command typed so far is exactly $argv[1] (e.g. "metadata get").',
    'function __kvgit_is',
    '    set -l w (__kvgit_words)',
    '    test "$w[1]" = kv; and set -e w[1]',
    '    set -l n (count (string split \' \' -- $argv[1]))',
    '    test (count $w) -ge $n; and test (string join \' \' -- $w[1..$n]) = $argv[1]',
    'end',
    'function __kvgit_paths',
    '    set -l t (commandline -ct)',
    '    if string match -q -- \'*/*\' $t',
    '        set -l d (string replace -r -- \'[^/]*$\' \'\' $t)',
    '        for k in (kvgit list $d 2>/dev/null | tail -n +3)',
    '            echo $d$k',
    '        end',
    '    else',
    '        kvgit mounts list 2>/dev/null | tail -n +3 | string split -f1 \' \'',
    '    end',
    'end',
    'complete -c kvgit -f',
  ];
  const g = groups(commands);
  for (const top of topWords(commands)) {
    const c = commands.find((x) => x.name === top);
    lines.push(`complete -c kvgit -n __kvgit_none -a ${sq(top)} -d ${sq(c ? c.summary : top === 'kv' ? 'Vault\'s kv verbs' : `${top} commands`)}`);
  }
  for (const [head, subs] of g) {
    for (const sub of subs) {
      const c = commands.find((x) => x.name === `${head} ${sub}`)!;
      lines.push(`complete -c kvgit -n ${sq(`__kvgit_is ${head}; and not __kvgit_is "${head} ${sub}"`)} -a ${sq(sub)} -d ${sq(c.summary)}`);
    }
  }
  for (const c of commands) {
    const cond = sq(`__kvgit_is "${c.name}"`);
    for (const f of flagsOf(c)) {
      for (const n of [f.name, ...(f.aliases ?? [])]) {
        const takes = f.type === 'bool' || f.type === 'boolptr' ? '' : f.values ? ` -x -a ${sq(f.values.join(' '))}` : ' -r';
        lines.push(`complete -c kvgit -n ${cond} -o ${sq(n)}${takes} -d ${sq(f.usage.split('. ')[0]!.replace(/\.$/, ''))}`);
      }
    }
    if (c.complete === 'paths') lines.push(`complete -c kvgit -n ${cond} -a '(__kvgit_paths)'`);
    else if (c.complete === 'mounts') lines.push(`complete -c kvgit -n ${cond} -a '(kvgit mounts list 2>/dev/null | tail -n +3 | string split -f1 " ")'`);
    else if (c.complete === 'files') lines.push(`complete -c kvgit -n ${cond} -F`);
    else if (Array.isArray(c.complete)) lines.push(`complete -c kvgit -n ${cond} -a ${sq((c.complete as readonly string[]).join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}
