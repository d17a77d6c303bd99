/** DI tokens for what PluginsModule provides (the MCP server, the runner and the routes inject these). */
export const PLUGIN_CATALOGUE = Symbol('PLUGIN_CATALOGUE');
export const TOOL_INVOKER = Symbol('TOOL_INVOKER');
