/** DI tokens of PlaybooksModule. */

/** A ToolLookup (tool-lookup.ts), provided by the host from the plugin catalogue. */
export const TOOL_LOOKUP = Symbol('TOOL_LOOKUP');
/** PlaybooksModuleOptions, given to PlaybooksModule.forRoot. */
export const PLAYBOOKS_OPTIONS = Symbol('PLAYBOOKS_OPTIONS');
