/** DI tokens for values made before Nest starts (so start-up failures get clear messages and exit codes). */
export const LOGGER = Symbol('LOGGER');
export const REDACTOR = Symbol('REDACTOR');
export const STORE = Symbol('STORE');
export const DAEMON_INFO = Symbol('DAEMON_INFO');
export const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');
