import { CreateMlSchema1764230400000 } from './1764230400000-CreateMlSchema';

/** Every migration in order; imported explicitly so ts-node, jest and the compiled build see the same list. */
export const MIGRATIONS = [CreateMlSchema1764230400000];
