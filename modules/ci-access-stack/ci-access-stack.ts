import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { Annotations, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { LoadedAccount } from '../account-config';
import { GithubCiAccess } from '../github-ci-access';
import { socialSecretSources } from '../github-ci-access/ci-policies';

export interface CiAccessStackProps {
  /** The validated account (see `loadAccounts`). */
  readonly account: LoadedAccount;
}

/**
 * CI access to one AWS account, one stack per folder under accounts/, named `account-<folder>`.
 * Applied by a person with administrator access (it creates the roles CI uses), not by CI.
 */
export class CiAccessStack extends TerraformStack {
  public readonly access: GithubCiAccess;

  constructor(scope: Construct, props: CiAccessStackProps) {
    const account = props.account;
    super(scope, account.stackName);
    const config = account.config;
    new AwsProvider(this, 'Aws', {
      region: config.region,
      defaultTags: [{ tags: { Project: config.namePrefix, Account: account.name, ManagedBy: 'cdktf' } }],
    });
    new TlsProvider(this, 'Tls');
    if (config.backend) {
      const backend = new S3Backend(this, { bucket: config.backend.bucket, key: config.backend.key, region: config.backend.region, encrypt: config.backend.encrypt });
      backend.addOverride('use_lockfile', config.backend.useLockfile);
    } else {
      // The state bucket this stack creates cannot hold this stack's own state before it exists.
      new LocalBackend(this, { path: `../../../terraform.${account.stackName}.tfstate` });
    }

    this.access = new GithubCiAccess(this, 'GithubCiAccess', {
      githubOwner: config.github.owner,
      githubRepository: config.github.repository,
      stateBucketName: config.stateBucket,
      rolePrefix: `${config.namePrefix}-github`,
      applyPolicyArns: config.applyPolicyArns,
      environments: account.environments.map((env) => ({
        name: env.name,
        stateKey: env.config.backend!.key,
        namePrefix: env.config.namePrefix,
        region: env.config.region,
        ...socialSecretSources(env.config.socialSignIn),
      })),
    });
    for (const warning of account.warnings) Annotations.of(this).addWarning(warning);

    new TerraformOutput(this, 'github_oidc_provider_arn', { value: this.access.oidcProviderArn, description: 'GitHub OIDC provider of the account' });
    new TerraformOutput(this, 'plan_role_arn', { value: this.access.planRoleArn, description: 'Read-only role for pull-request plans: the AWS_PLAN_ROLE_ARN repository variable' });
    new TerraformOutput(this, 'apply_role_arns', {
      value: Object.fromEntries(this.access.applyRoleArns),
      description: 'Apply role per environment: the AWS_APPLY_ROLE_ARN variable of the GitHub environment of that name',
    });
    new TerraformOutput(this, 'state_bucket_name', { value: this.access.stateBucketName, description: 'Bucket of the environments’ Terraform state' });
  }
}

