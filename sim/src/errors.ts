/** A scenario or grid file that fails schema or semantic validation; message is path-prefixed. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    message: string,
    readonly reason: 'schema' | 'semantic' | 'io' = 'schema',
  ) {
    super(message);
  }
}
