import { dataPerimeterStatement, escapeForTerraform, IAM_ROLE_ARN_PATTERN, iamVariable, policyDocument, renderPolicy, SECRET_PERIMETER_ACTIONS, TABLE_PERIMETER_ACTIONS } from '../modules/iam-policy';
import { synthModule } from './helpers/module-stack';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';

describe('IAM policy documents', () => {
  it('writes IAM variables as IAM reads them', () => {
    expect(iamVariable('aws:PrincipalTag/customerName')).toBe('${aws:PrincipalTag/customerName}');
    expect(iamVariable('cognito-identity.amazonaws.com:sub')).toBe('${cognito-identity.amazonaws.com:sub}');
  });

  it('rejects variable names IAM cannot hold', () => {
    expect(() => iamVariable('aws:PrincipalTag/a}b')).toThrow(/has characters IAM does not allow/);
  });

  it('accepts every character IAM allows in a variable name, and nothing else, anywhere in the name', () => {
    expect(iamVariable('aA0:/._*?$-')).toBe('${aA0:/._*?$-}');
    for (const bad of ['', ' ', 'a b', '}a', 'a}', 'a{b', 'a\nb', 'ä', 'a,b']) {
      expect(() => iamVariable(bad)).toThrow(`IAM policy variable name ${JSON.stringify(bad)} has characters IAM does not allow in a variable.`);
    }
  });

  it('escapes every literal ${ for Terraform, once', () => {
    expect(escapeForTerraform('a/${aws:PrincipalTag/customerName}/*')).toBe('a/$${aws:PrincipalTag/customerName}/*');
    expect(escapeForTerraform('${*} ${?} ${$}')).toBe('$${*} $${?} $${$}');
    expect(escapeForTerraform('already $${aws:username}')).toBe('already $${aws:username}');
  });

  it('leaves cdktf references for Terraform to resolve', () => {
    expect(escapeForTerraform('${TfToken[TOKEN.12]}/${aws:userid}')).toBe('${TfToken[TOKEN.12]}/$${aws:userid}');
  });

  it('always carries Version 2012-10-17, without which IAM treats variables as text', () => {
    expect(JSON.parse(renderPolicy(policyDocument([])))).toEqual({ Version: '2012-10-17', Statement: [] });
  });

  it('reaches the synthesized JSON as $${...} next to a resolved reference', () => {
    const json = synthModule((scope) => {
      const other = new IamRole(scope, 'Other', { assumeRolePolicy: '{}' });
      new IamRole(scope, 'Role', {
        assumeRolePolicy: renderPolicy(
          policyDocument([{ Effect: 'Allow', Action: 's3:GetObject', Resource: `${other.arn}/${iamVariable('aws:PrincipalTag/customerName')}/*` }]),
        ),
      });
    });
    const policy = (json.resource!.aws_iam_role.Role as any).assume_role_policy as string;
    expect(policy).toContain('"${aws_iam_role.Other.arn}/$${aws:PrincipalTag/customerName}/*"');
    expect(policy).not.toMatch(/(?<!\$)\$\{aws:/);
  });
});

describe('IAM_ROLE_ARN_PATTERN (break-glass roles)', () => {
  it.each([
    'arn:aws:iam::123456789012:role/incident-response',
    'arn:aws-cn:iam::123456789012:role/a',
    'arn:aws-us-gov:iam::123456789012:role/ops/break+glass=1,x.y@z_w-v',
    `arn:aws:iam::123456789012:role/${'r'.repeat(512)}`,
  ])('accepts the role ARN %s', (arn) => {
    expect(IAM_ROLE_ARN_PATTERN.test(arn)).toBe(true);
  });

  it.each([
    ['a prefix before the ARN', 'xarn:aws:iam::123456789012:role/a'],
    ['text after the role name', 'arn:aws:iam::123456789012:role/a*'],
    ['a short account id', 'arn:aws:iam::1234:role/a'],
    ['letters as the account id', 'arn:aws:iam::abcdefghijkl:role/a'],
    ['an empty role name', 'arn:aws:iam::123456789012:role/'],
    ['a role name over 512 characters', `arn:aws:iam::123456789012:role/${'r'.repeat(513)}`],
    ['a wildcard role', 'arn:aws:iam::123456789012:role/*'],
    ['the account root', 'arn:aws:iam::123456789012:root'],
    ['another partition', 'arn:aws-iso:iam::123456789012:role/a'],
  ])('refuses %s', (_what, arn) => {
    expect(IAM_ROLE_ARN_PATTERN.test(arn)).toBe(false);
  });
});

describe('dataPerimeterStatement (the Deny that fences a data-bearing resource)', () => {
  const PRINCIPALS = ['arn:aws:iam::123456789012:role/up-dev-authenticated', 'arn:aws:iam::123456789012:role/up-dev-tenant.*'];

  it('denies the data actions to every principal whose role is not listed, by aws:PrincipalArn with ArnNotLike', () => {
    expect(dataPerimeterStatement('DenyTableData', ['dynamodb:GetItem', 'dynamodb:Scan'], 'arn:aws:dynamodb:eu-central-1:123456789012:table/t', PRINCIPALS)).toStrictEqual({
      Sid: 'DenyTableData',
      Effect: 'Deny',
      Principal: '*',
      Action: ['dynamodb:GetItem', 'dynamodb:Scan'],
      Resource: 'arn:aws:dynamodb:eu-central-1:123456789012:table/t',
      Condition: { ArnNotLike: { 'aws:PrincipalArn': PRINCIPALS } },
    });
  });

  it('keeps a list of resources a list, and copies every input so later changes to them cannot widen it', () => {
    const actions = ['secretsmanager:GetSecretValue'];
    const resources = ['arn:aws:secretsmanager:eu-central-1:123456789012:secret:a', 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:b'];
    const principals = [...PRINCIPALS];
    const statement = dataPerimeterStatement('DenySecretValue', actions, resources, principals);
    actions.push('secretsmanager:PutSecretValue');
    resources.pop();
    principals.push('arn:aws:iam::123456789012:role/*');
    expect(statement.Action).toStrictEqual(['secretsmanager:GetSecretValue']);
    expect(statement.Resource).toStrictEqual(['arn:aws:secretsmanager:eu-central-1:123456789012:secret:a', 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:b']);
    expect(statement.Condition).toStrictEqual({ ArnNotLike: { 'aws:PrincipalArn': PRINCIPALS } });
  });

  it('refuses an empty principal list (it would deny the data to everyone) and an empty action list', () => {
    expect(() => dataPerimeterStatement('DenyX', ['dynamodb:GetItem'], 'arn:t', [])).toThrow(/^DenyX: a data perimeter needs at least one principal; an empty list would deny the data to everyone\.$/);
    expect(() => dataPerimeterStatement('DenyX', [], 'arn:t', PRINCIPALS)).toThrow(/^DenyX: a data perimeter needs at least one action\.$/);
  });

  it('fences item reads, writes, PartiQL and every copy out of the table, and only reading a secret value', () => {
    expect(TABLE_PERIMETER_ACTIONS).toStrictEqual([
      'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PartiQLSelect', 'dynamodb:PartiQLInsert', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete',
      'dynamodb:ExportTableToPointInTime', 'dynamodb:CreateBackup', 'dynamodb:RestoreTableToPointInTime',
    ]);
    expect(SECRET_PERIMETER_ACTIONS).toStrictEqual(['secretsmanager:GetSecretValue']);
  });
});
