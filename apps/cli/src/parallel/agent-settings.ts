import type { AgentConfig, AgentsConfigFile, KinglyConfig, ModelPrice } from '@kingly/cmd';

/** The agent to run and the settings every agent job carries (cap, prices). */
export interface AgentSettings {
  readonly name: string;
  readonly agent: AgentConfig;
  readonly maxConcurrent: number;
  readonly prices: Readonly<Record<string, ModelPrice>> | undefined;
}

/** `agents.<name>` of kingly.config.json over the built-in agents; an unknown name is E_BAD_INPUT. */
export async function agentSettings(config: KinglyConfig, name: string): Promise<AgentSettings> {
  const { badInput, DEFAULT_AGENTS, DEFAULT_AGENTS_MAX_CONCURRENT, loadConfigFile, resolveAgent } = await import('@kingly/cmd');
  const file: AgentsConfigFile | undefined = config.configFile ? loadConfigFile(config.configFile).agents : undefined;
  const agent = resolveAgent(name, file);
  if (!agent) {
    const known = [...new Set([...Object.keys(DEFAULT_AGENTS), ...Object.keys(file ?? {}).filter((k) => k !== 'maxConcurrent' && k !== 'prices')])];
    throw badInput(`--agent: no agent named '${name}'`, `define agents.${name} in kingly.config.json (argv, format), or use one of: ${known.join(', ')}`);
  }
  return { name, agent, maxConcurrent: file?.maxConcurrent ?? DEFAULT_AGENTS_MAX_CONCURRENT, prices: file?.prices };
}
