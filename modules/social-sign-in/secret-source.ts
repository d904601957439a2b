import { DataAwsSecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { Fn, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';

import { SECRET_ID_PATTERN, SECRET_JSON_KEY_PATTERN, SSM_PARAMETER_NAME_PATTERN, TERRAFORM_VARIABLE_NAME_PATTERN } from './secret-names';

/**
 * Where a secret (Google's client secret, Apple's private key) is read from at plan and apply
 * time. The synthesized JSON holds only this reference, never the value: an SSM parameter (read
 * with decryption), a Secrets Manager secret (optionally one key of its JSON), or a sensitive
 * Terraform variable. Terraform marks all three sensitive in plans, and the value reaches the
 * state (provider_details of aws_cognito_identity_provider is stored in clear), so the state must
 * stay encrypted and access-controlled (rule ST1).
 */
export abstract class SecretSource {
  /** An SSM Parameter Store parameter (a SecureString), read with `with_decryption = true`. */
  public static fromSsmParameter(name: string): SecretSource {
    return new SsmParameterSource(name);
  }

  /** A Secrets Manager secret's current version (`AWSCURRENT`); with `jsonKey`, that key of its JSON text. */
  public static fromSecretsManager(secretId: string, jsonKey?: string): SecretSource {
    return new SecretsManagerSource(secretId, jsonKey);
  }

  /** A Terraform variable with `sensitive = true` and no default, set as `TF_VAR_<name>` where Terraform runs. */
  public static fromTerraformVariable(name: string): SecretSource {
    return new VariableSource(name);
  }

  /** One line for messages and docs, such as `SSM parameter /uploads/dev/google`. */
  public abstract readonly description: string;

  /** Every problem with the reference, one line each, prefixed by `where`. */
  public abstract problems(where: string): string[];

  /** Adds the data source or variable under `scope` and returns the Terraform expression of the value. */
  public abstract bind(scope: Construct, id: string): string;
}

class SsmParameterSource extends SecretSource {
  public readonly description: string;
  constructor(private readonly name: string) {
    super();
    this.description = `SSM parameter ${name}`;
  }
  public problems(where: string): string[] {
    return SSM_PARAMETER_NAME_PATTERN.test(this.name) && this.name.length <= 1011
      ? []
      : [`${where} SSM parameter name must be letters, digits and . - _ with / between path parts (received ${JSON.stringify(this.name)}).`];
  }
  public bind(scope: Construct, id: string): string {
    // `value` of this data source is sensitive in the provider schema, so plans print (sensitive value).
    return new DataAwsSsmParameter(scope, id, { name: this.name, withDecryption: true }).value;
  }
}

class SecretsManagerSource extends SecretSource {
  public readonly description: string;
  constructor(
    private readonly secretId: string,
    private readonly jsonKey: string | undefined,
  ) {
    super();
    this.description = `Secrets Manager secret ${secretId}${jsonKey === undefined ? '' : ` (key ${jsonKey})`}`;
  }
  public problems(where: string): string[] {
    const problems: string[] = [];
    if (!SECRET_ID_PATTERN.test(this.secretId)) problems.push(`${where} Secrets Manager secret must be a secret name or ARN (received ${JSON.stringify(this.secretId)}).`);
    if (this.jsonKey !== undefined && !SECRET_JSON_KEY_PATTERN.test(this.jsonKey)) {
      problems.push(`${where} jsonKey must match ${SECRET_JSON_KEY_PATTERN.source}, a key such as privateKey (received ${JSON.stringify(this.jsonKey)}).`);
    }
    return problems;
  }
  public bind(scope: Construct, id: string): string {
    const text = new DataAwsSecretsmanagerSecretVersion(scope, id, { secretId: this.secretId }).secretString;
    // lookup without a default fails the plan when the key is missing, instead of sending "".
    return this.jsonKey === undefined ? text : (Fn.lookup(Fn.jsondecode(text), this.jsonKey) as string);
  }
}

class VariableSource extends SecretSource {
  public readonly description: string;
  constructor(private readonly name: string) {
    super();
    this.description = `sensitive Terraform variable ${name}`;
  }
  public problems(where: string): string[] {
    return TERRAFORM_VARIABLE_NAME_PATTERN.test(this.name) ? [] : [`${where} Terraform variable name must match ${TERRAFORM_VARIABLE_NAME_PATTERN.source} (received ${JSON.stringify(this.name)}).`];
  }
  public bind(scope: Construct, id: string): string {
    const variable = new TerraformVariable(scope, id, {
      type: 'string',
      sensitive: true,
      nullable: false,
      description: `Secret for ${id}; set TF_VAR_${this.name} where Terraform runs, never in a file of the repository.`,
    });
    // The name users set (TF_VAR_<name>), not a generated logical id.
    variable.overrideLogicalId(this.name);
    return variable.stringValue;
  }
}

/** A secret reference as the environment config writes it (exactly one of the three keys). */
export interface SecretSourceInput {
  readonly ssmParameter?: string | undefined;
  readonly secretsManagerSecret?: string | undefined;
  readonly jsonKey?: string | undefined;
  readonly terraformVariable?: string | undefined;
}

/** The `SecretSource` a config entry names; throws when it names none or several. */
export function secretSourceFromConfig(input: SecretSourceInput, where: string): SecretSource {
  const named = [input.ssmParameter, input.secretsManagerSecret, input.terraformVariable].filter((value) => value !== undefined);
  if (named.length !== 1) throw new Error(`${where} must name exactly one of ssmParameter, secretsManagerSecret or terraformVariable.`);
  if (input.ssmParameter !== undefined) return SecretSource.fromSsmParameter(input.ssmParameter);
  if (input.secretsManagerSecret !== undefined) return SecretSource.fromSecretsManager(input.secretsManagerSecret, input.jsonKey);
  return SecretSource.fromTerraformVariable(input.terraformVariable!);
}
