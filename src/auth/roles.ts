import { SetMetadata } from '@nestjs/common';
import { ROLES, type Role } from '../config/config.types.js';

export { ROLES, type Role };

export interface Principal {
  /** The token's configured name: recorded as the actor of everything done with it. */
  name: string;
  role: Role;
}

export const roleRank = (r: Role): number => ROLES.indexOf(r);
export const hasRole = (p: Principal, min: Role): boolean => roleRank(p.role) >= roleRank(min);

export const PUBLIC_ROUTE = 'steward:public';
export const MIN_ROLE = 'steward:minRole';

/** The route needs no token (only /health). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** The least role a token needs for this route. Routes without it need admin: the guard fails closed. */
export const MinRole = (role: Role) => SetMetadata(MIN_ROLE, role);
