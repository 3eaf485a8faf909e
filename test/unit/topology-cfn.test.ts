/** Reading a packaged CloudFormation template as CloudFormation deploys it (test/helpers/topology/cfn.ts). */
import type { CfnTemplate } from '../helpers/topology/artifacts';
import { Stack } from '../helpers/topology/cfn';

const template: CfnTemplate = {
  Conditions: { UseVpc: { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] } },
  Resources: {
    FnLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/lambda/app-test-fn' } },
    FnLambdaFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'app-test-fn',
        Handler: 'dist/fn.handler',
        Timeout: 60,
        MemorySize: 512,
        ReservedConcurrentExecutions: 20,
        Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] },
        Environment: { Variables: { TOKEN: '{{resolve:ssm:/app/test/token}}', OTHER: { Ref: 'AWS::Region' } } },
      },
    },
    FnLambdaEvConf: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: { FunctionName: { Ref: 'FnLambdaFunction' }, MaximumRetryAttempts: 1 },
    },
    FnRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        ManagedPolicyArns: { 'Fn::If': ['UseVpc', [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/x' }], { Ref: 'AWS::NoValue' }] },
        Policies: [
          {
            PolicyName: 'p',
            PolicyDocument: {
              Statement: [
                { Sid: 'Logs', Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: [{ 'Fn::GetAtt': ['FnLogGroup', 'Arn'] }] },
                { Sid: 'Self', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::Sub': '${FnLambdaFunction.Arn}:*' } },
                { Sid: 'Split', Effect: 'Allow', Action: 'iam:PassRole', Resource: { 'Fn::Split': [',', 'arn:a,arn:b'] } },
                {
                  Sid: 'Join',
                  Effect: 'Allow',
                  Action: 'ecs:ListTasks',
                  Resource: { 'Fn::Join': [':', ['arn:aws:ecs', { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, '*']] },
                },
              ],
            },
          },
        ],
      },
    },
    Rule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: 'app-test-rule',
        EventPattern: { source: ['aws.ecs'] },
        Targets: [{ Arn: { 'Fn::GetAtt': ['FnLambdaFunction', 'Arn'] } }],
      },
    },
  },
};

const stack = new Stack({
  template,
  region: 'eu-west-1',
  account: '123456789012',
  stackName: 'app-test',
  ssm: { '/app/test/token': 's3cret' },
});

it('resolves the function: name, handler, environment with SSM references, timeout, retries, reserved concurrency, role statements', () => {
  const [fn] = stack.functions();
  expect(fn).toMatchObject({
    name: 'app-test-fn',
    arn: 'arn:aws:lambda:eu-west-1:123456789012:function:app-test-fn',
    handler: 'dist/fn.handler',
    env: { TOKEN: 's3cret', OTHER: 'eu-west-1' },
    timeoutSeconds: 60,
    memoryMb: 512,
    maximumRetryAttempts: 1,
    reservedConcurrency: 20,
    roleLogicalId: 'FnRole',
  });
  expect(fn!.statements.map((s) => s.Resource)).toEqual([
    ['arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/app-test-fn:*'],
    'arn:aws:lambda:eu-west-1:123456789012:function:app-test-fn:*',
    ['arn:a', 'arn:b'],
    'arn:aws:ecs:eu-west-1:123456789012:*',
  ]);
});

it('rules: pattern and target functions', () => {
  expect(stack.rules()).toEqual([
    {
      logicalId: 'Rule',
      name: 'app-test-rule',
      arn: 'arn:aws:events:eu-west-1:123456789012:rule/app-test-rule',
      pattern: { source: ['aws.ecs'] },
      targets: ['app-test-fn'],
    },
  ]);
});

it('refuses what it cannot resolve: a missing SSM parameter, an unknown intrinsic, a managed policy it does not model', () => {
  expect(() => new Stack({ template, region: 'eu-west-1', account: '1', stackName: 's' }).functions()).toThrow(
    'SSM parameter /app/test/token',
  );
  expect(() => stack.resolve({ 'Fn::Base64': 'x' })).toThrow('Fn::Base64 is not supported');
  const vpc: CfnTemplate = { ...template, Conditions: { UseVpc: { 'Fn::Not': [{ 'Fn::Equals': ['subnet-1', ''] }] } } };
  expect(() =>
    new Stack({ template: vpc, region: 'eu-west-1', account: '1', stackName: 's', ssm: { '/app/test/token': 'x' } }).functions(),
  ).toThrow('managed policies');
});
