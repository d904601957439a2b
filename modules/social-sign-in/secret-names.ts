/** Name rules of the secret references, without cdktf: the environment loader reads them too. */

/**
 * SSM parameter names: letters, digits and `.-_/`, at most 1011 characters after the Region and
 * account; a path starts with `/`. https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
 */
export const SSM_PARAMETER_NAME_PATTERN = /^(?:\/[A-Za-z0-9_.-]+)+$|^[A-Za-z0-9_.-]+$/;
/**
 * Secrets Manager secret names (letters, digits and `/_+=.@-`, at most 512) or a secret ARN.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html#SecretsManager-CreateSecret-request-Name
 */
export const SECRET_ID_PATTERN = /^(?:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|[A-Za-z0-9/_+=.@-]{1,512})$/;
/** Terraform variable names that are also valid `TF_VAR_<name>` environment variable names. */
export const TERRAFORM_VARIABLE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
/** A key of a secret's JSON text: an identifier, so the Terraform expression reading it stays plain (`jsondecode(…).key`). */
export const SECRET_JSON_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
