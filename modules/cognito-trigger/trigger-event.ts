/**
 * The parameters every Cognito user-pool trigger event carries, whatever the trigger. Each trigger's
 * event type adds its `userName`, `request` and `response`. Types only: the handlers that import it
 * are bundled into Lambda functions, and a type import is erased.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html#cognito-user-pools-lambda-trigger-syntax-shared
 */
export interface CognitoTriggerEventCommon {
  version: string;
  triggerSource: string;
  region: string;
  userPoolId: string;
  callerContext: { awsSdkVersion?: string; clientId?: string };
}
