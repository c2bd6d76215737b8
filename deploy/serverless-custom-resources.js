'use strict';

// Serverless Framework v3 deploys the S3 event of an existing bucket (the tiler's) through a
// custom-resource function of its own, on nodejs18.x, which Lambda has deprecated. Its code
// uses only the AWS SDK v3 that every current Node.js runtime ships, so this local plugin
// moves it to a supported runtime before the template is written. It changes nothing else.
const RUNTIME = 'nodejs22.x';

class CustomResourceRuntime {
  constructor(serverless) {
    this.hooks = {
      'before:package:finalize': () => {
        const resources =
          serverless.service.provider.compiledCloudFormationTemplate.Resources || {};
        for (const [name, resource] of Object.entries(resources)) {
          if (name.startsWith('CustomDashresource') && resource.Type === 'AWS::Lambda::Function'
              && resource.Properties.Runtime === 'nodejs18.x') {
            resource.Properties.Runtime = RUNTIME;
          }
        }
      },
    };
  }
}

module.exports = CustomResourceRuntime;
