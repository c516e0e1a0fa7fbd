/**
 * The scripts `kingly completion SHELL` prints. Each asks `kingly __complete -- WORDS…` (the words
 * after `kingly`, the last being the one typed) for one candidate a line, so commands, options and
 * job ids/names are known in one place (candidates.ts) for every shell.
 */
export function completionScript(shell: 'bash' | 'zsh' | 'fish'): string {
  if (shell === 'bash') {
    return `# kingly completion for bash: eval "$(kingly completion bash)" (e.g. in ~/.bashrc)
_kingly() {
  local IFS=$'\\n'
  COMPREPLY=($(kingly __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _kingly kingly
`;
  }
  if (shell === 'zsh') {
    return `#compdef kingly
# kingly completion for zsh: eval "$(kingly completion zsh)" (e.g. in ~/.zshrc, after compinit)
_kingly() {
  local -a candidates
  candidates=("\${(@f)$(kingly __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _kingly kingly
`;
  }
  return `# kingly completion for fish: kingly completion fish > ~/.config/fish/completions/kingly.fish
complete -c kingly -f -a '(kingly __complete -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`;
}
