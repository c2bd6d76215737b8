'use strict';

// Serverless Framework v3 (the last version that packages without a login) validates
// `runtime` against a list that ends at python3.11; Lambda's supported Python runtimes are
// later. This local plugin adds them to the list, so that the configuration is validated in
// `error` mode like everything else. It changes nothing else.
const RUNTIMES = ['python3.12', 'python3.13'];

class PythonRuntimes {
  constructor(serverless) {
    const definition = serverless.configSchemaHandler.schema.definitions.awsLambdaRuntime;
    for (const runtime of RUNTIMES) {
      if (definition && Array.isArray(definition.enum) && !definition.enum.includes(runtime)) {
        definition.enum.push(runtime);
      }
    }
  }
}

module.exports = PythonRuntimes;
