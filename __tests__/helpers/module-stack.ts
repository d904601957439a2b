import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { resourcesOf } from '../../modules/security-rules/stack-json';

/** The parsed Terraform JSON of one stack. */
export type StackJson = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown[]>;
};

/** Synthesizes whatever `build` adds to a fresh stack (with an AWS provider) and parses the JSON. */
export function synthModule(build: (scope: Construct) => void): StackJson {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AwsProvider(stack, 'Aws', { region: 'eu-central-1' });
  build(stack);
  return JSON.parse(Testing.synth(stack)) as StackJson;
}

/** Every resource of a type, as `[name, body]` pairs. */
export function resources(json: StackJson, type: string): [string, Record<string, any>][] {
  return resourcesOf(json, type).map((r) => [r.name, r.config as Record<string, any>]);
}

/** The single resource of a type; fails the test when there is not exactly one. */
export function onlyResource(json: StackJson, type: string): Record<string, any> {
  const found = resources(json, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0][1];
}

/** A policy argument parsed back into an object (escapes and references left as they are). */
export function parsePolicy(policy: unknown): { Version: string; Statement: any[] } {
  if (typeof policy !== 'string') throw new Error(`policy is not a string: ${JSON.stringify(policy)}`);
  return JSON.parse(policy);
}

/** The statement with this Sid; fails the test when it is missing. */
export function statement(policy: { Statement: any[] }, sid: string): any {
  const found = policy.Statement.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${policy.Statement.map((s) => s.Sid).join(', ')}`);
  return found;
}
