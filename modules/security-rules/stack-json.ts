/**
 * Reading a synthesized stack (`cdktf.out/stacks/<env>/cdk.tf.json`) the way the rules need it.
 * Pure functions over parsed JSON; no cdktf import, no file access.
 *
 * Strings in the stack are Terraform string templates: `${aws_s3_bucket.X.arn}` is an
 * interpolation Terraform resolves, `$${aws:PrincipalTag/x}` is an escape that reaches AWS as the
 * literal `${aws:PrincipalTag/x}`. The rules compare those strings as Terraform sees them.
 * https://developer.hashicorp.com/terraform/language/expressions/strings#escape-sequences
 */

/** The attributes of one resource or data block. */
export type BlockConfig = Readonly<Record<string, unknown>>;

/** The parsed `cdk.tf.json` of one stack (the parts the rules read). */
export interface StackJson {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, BlockConfig>>>>;
  readonly data?: Readonly<Record<string, Readonly<Record<string, BlockConfig>>>>;
  readonly provider?: Readonly<Record<string, readonly unknown[]>>;
  readonly terraform?: Readonly<Record<string, unknown>>;
  readonly output?: Readonly<Record<string, unknown>>;
  readonly moved?: unknown;
  readonly [key: string]: unknown;
}

/** One resource of the stack, with its Terraform address. */
export interface StackResource {
  /** `aws_s3_bucket` */
  readonly type: string;
  /** `UploadBucket_E75E61AC` */
  readonly name: string;
  /** `aws_s3_bucket.UploadBucket_E75E61AC` */
  readonly address: string;
  readonly config: BlockConfig;
}

export function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every resource of `type` (cdktf's `//` metadata keys skipped), in the order of the JSON. */
export function resourcesOf(stack: StackJson, type: string): StackResource[] {
  const byName = stack.resource?.[type];
  if (!isObject(byName)) return [];
  return Object.entries(byName)
    .filter(([name, config]) => !name.startsWith('//') && isObject(config))
    .map(([name, config]) => ({ type, name, address: `${type}.${name}`, config: config as BlockConfig }));
}

/** Every resource of the stack. */
export function allResources(stack: StackJson): StackResource[] {
  return Object.keys(stack.resource ?? {})
    .filter((type) => !type.startsWith('//'))
    .flatMap((type) => resourcesOf(stack, type));
}

/** The resource at `address` (`type.name`), if the stack has it. */
export function resourceAt(stack: StackJson, address: string): StackResource | undefined {
  const dot = address.indexOf('.');
  if (dot < 0) return undefined;
  return resourcesOf(stack, address.slice(0, dot)).find((r) => r.address === address);
}

/**
 * A nested block as one object. cdktf writes single blocks either as an object
 * (`"rule": { ... }`) or as a one-element list (`"abort_incomplete_multipart_upload": [{ ... }]`).
 */
export function block(value: unknown): Readonly<Record<string, unknown>> | undefined {
  if (Array.isArray(value)) return isObject(value[0]) ? value[0] : undefined;
  return isObject(value) ? value : undefined;
}

/** A repeated block (or a single one) as a list of objects. */
export function blocks(value: unknown): Readonly<Record<string, unknown>>[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/** A list attribute as strings (a single string counts as a one-element list). */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** The region of the default AWS provider. */
export function providerRegion(stack: StackJson): string | undefined {
  const region = block(stack.provider?.aws)?.region;
  return typeof region === 'string' ? region : undefined;
}

/** A piece of a Terraform string template. */
export type TemplatePart = { readonly kind: 'literal'; readonly text: string } | { readonly kind: 'interpolation'; readonly expression: string };

/**
 * Splits a Terraform string template into literal text and `${...}` interpolations, scanning left
 * to right as Terraform does: `$${` is the escape for a literal `${` and `%%{` for a literal `%{`.
 * Braces and quoted strings inside an interpolation are balanced, so `${jsonencode({a = "}"})}` is
 * one part. An unterminated `${` is returned as an interpolation of the rest of the string.
 */
export function templateParts(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  const flush = () => {
    if (literal) parts.push({ kind: 'literal', text: literal });
    literal = '';
  };
  while (i < text.length) {
    if (text.startsWith('$${', i) || text.startsWith('%%{', i)) {
      literal += text[i + 1] + '{';
      i += 3;
    } else if (text.startsWith('${', i)) {
      flush();
      let depth = 1;
      let j = i + 2;
      let quoted = false;
      while (j < text.length && depth > 0) {
        const c = text[j];
        if (quoted) {
          if (c === '\\') j++;
          else if (c === '"') quoted = false;
        } else if (c === '"') quoted = true;
        else if (c === '{') depth++;
        else if (c === '}') depth--;
        j++;
      }
      const end = depth === 0 ? j - 1 : text.length;
      parts.push({ kind: 'interpolation', expression: text.slice(i + 2, end).trim() });
      i = depth === 0 ? j : text.length;
    } else {
      literal += text[i];
      i++;
    }
  }
  flush();
  return parts;
}

/** `aws_s3_bucket.X.arn` / `data.aws_caller_identity.Y.account_id`: a plain reference, nothing else. */
const REFERENCE = /^(?:data\.)?([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)\.([A-Za-z_]\w*)$/;

/** A plain Terraform reference found in a string. */
export interface Reference {
  /** `aws_s3_bucket.X` or `data.aws_caller_identity.Y` */
  readonly address: string;
  /** `arn` */
  readonly attribute: string;
}

/** The value as one plain reference (`${aws_kms_key.K.arn}` and nothing around it), if it is one. */
export function soleReference(value: unknown): Reference | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = templateParts(value);
  const [part] = parts;
  if (parts.length !== 1 || part?.kind !== 'interpolation') return undefined;
  return parseReference(part.expression);
}

/** Every plain reference interpolated anywhere in `value`. */
export function referencesIn(value: unknown): Reference[] {
  if (typeof value !== 'string') return [];
  return templateParts(value).flatMap((part) => {
    if (part.kind !== 'interpolation') return [];
    const ref = parseReference(part.expression);
    return ref ? [ref] : [];
  });
}

function parseReference(expression: string): Reference | undefined {
  const match = REFERENCE.exec(expression);
  if (!match) return undefined;
  const lastDot = expression.lastIndexOf('.');
  return { address: expression.slice(0, lastDot), attribute: expression.slice(lastDot + 1) };
}

/** The Terraform interpolation of an attribute, as it appears in the stack: `${aws_s3_bucket.X.arn}`. */
export function interpolation(address: string, attribute: string): string {
  return '${' + address + '.' + attribute + '}';
}

/**
 * Whether `value` points at `target`: a reference to it (`${aws_s3_bucket.X.id}`), or, for a literal,
 * the same string as the target's name attribute (`bucket`, `name`).
 */
export function pointsAt(value: unknown, target: StackResource, nameAttribute?: string): boolean {
  if (referencesIn(value).some((ref) => ref.address === target.address)) return true;
  if (nameAttribute === undefined || typeof value !== 'string') return false;
  const name = target.config[nameAttribute];
  return typeof name === 'string' && name === value && !value.includes('${');
}

/** Resources of `type` whose `attribute` points at `target`. */
export function attachedTo(stack: StackJson, type: string, attribute: string, target: StackResource, nameAttribute?: string): StackResource[] {
  return resourcesOf(stack, type).filter((r) => pointsAt(r.config[attribute], target, nameAttribute));
}

/**
 * `attachedTo` (by reference) for many targets: indexes the resources of `type` once by every address
 * their `attribute` refers to, so a rule that asks for each of 10 000 secrets stays linear.
 */
export function attachedIndex(stack: StackJson, type: string, attribute: string): (target: StackResource) => StackResource[] {
  const byAddress = new Map<string, StackResource[]>();
  for (const resource of resourcesOf(stack, type)) {
    for (const address of new Set(referencesIn(resource.config[attribute]).map((ref) => ref.address))) {
      const list = byAddress.get(address);
      if (list) list.push(resource);
      else byAddress.set(address, [resource]);
    }
  }
  return (target) => byAddress.get(target.address) ?? [];
}

/** Calls `visit` for every string anywhere in `value`, with a JSON-path-like location. */
export function forEachString(value: unknown, visit: (text: string, path: string) => void, path = ''): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, i) => forEachString(item, visit, `${path}[${i}]`));
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '//') continue;
      forEachString(item, visit, path ? `${path}.${key}` : key);
    }
  }
}
