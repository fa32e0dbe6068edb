/**
 * fast-check arbitraries built from an OpenAPI 3.1 document's JSON Schemas: a valid request per
 * operation, and an invalid one (one field broken) where the schema says what invalid means.
 */
import fc from 'fast-check';

export type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
};

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, unknown>;
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface GeneratedRequest {
  method: string;
  /** The document's path, e.g. `/admin/disconnect/{socketId}`. */
  template: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  /** What this request is: `valid`, or which part was broken. */
  kind: string;
}

/**
 * Arbitraries for one document: `$ref`s resolve against its components. `opaque` names query
 * parameters only the server can produce valid values for (cursors): valid requests leave them out.
 */
export function arbitraries(doc: OpenApiDocument, opaque: readonly string[] = []) {
  const resolve = (schema: Schema): Schema => {
    if (!schema.$ref) return schema;
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved ${schema.$ref}`);
    return resolve(target);
  };

  const value = (raw: Schema, depth = 0): fc.Arbitrary<unknown> => {
    const schema = resolve(raw);
    if (schema.const !== undefined) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const union = schema.anyOf ?? schema.oneOf;
    if (union) return fc.oneof(...union.map((s) => value(s, depth + 1)));
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return fc.integer({
          min: schema.minimum ?? (schema.exclusiveMinimum ?? -1e6 - 1) + 1,
          max: Math.min(schema.maximum ?? 1e6, Number.MAX_SAFE_INTEGER),
        });
      case 'number':
        return fc.double({
          min: schema.minimum ?? schema.exclusiveMinimum ?? -1e6,
          max: schema.maximum ?? 1e6,
          minExcluded: schema.exclusiveMinimum !== undefined,
          noNaN: true,
          noDefaultInfinity: true,
        });
      case 'string':
        return string(schema);
      case 'array':
        return fc.array(schema.items ? value(schema.items, depth + 1) : fc.jsonValue(), {
          minLength: schema.minItems ?? 0,
          maxLength: Math.min(schema.maxItems ?? 3, 3),
        });
      case 'object':
        return object(schema, depth);
      default:
        return depth > 2 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
    }
  };

  const string = (schema: Schema): fc.Arbitrary<string> => {
    const min = schema.minLength ?? 0;
    const max = Math.min(schema.maxLength ?? 24, 24);
    const base = schema.pattern
      ? fc.stringMatching(new RegExp(schema.pattern))
      : fc.string({ minLength: min, maxLength: Math.max(min, max) });
    return base.filter((s) => s.length >= min && s.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY));
  };

  const object = (schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> => {
    const props = schema.properties ?? {};
    const required = schema.required ?? [];
    const model = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, value(s, depth + 1)]));
    return fc.record(model, { requiredKeys: required.filter((k) => k in props) });
  };

  /** One field of an object broken: a required one dropped, a wrong type, or an unknown key. */
  const brokenObject = (raw: Schema): fc.Arbitrary<{ value: unknown; kind: string }> | null => {
    const schema = resolve(raw);
    if (resolve(schema).type !== 'object' || !schema.properties) return null;
    const valid = object(schema, 0);
    const choices: fc.Arbitrary<{ value: unknown; kind: string }>[] = [
      fc.constant({ value: [1, 2], kind: 'body: an array' }),
      fc.constant({ value: 'text', kind: 'body: a string' }),
    ];
    for (const key of schema.required ?? []) {
      choices.push(
        valid.map((v) => {
          const { [key]: _dropped, ...rest } = v;
          return { value: rest, kind: `body: without ${key}` };
        }),
      );
    }
    for (const [key, prop] of Object.entries(schema.properties)) {
      const wrong = wrongValue(resolve(prop));
      if (wrong !== undefined)
        choices.push(valid.map((v) => ({ value: { ...v, [key]: wrong }, kind: `body: ${key} wrong` })));
    }
    if (schema.additionalProperties === false) {
      choices.push(valid.map((v) => ({ value: { ...v, unexpectedField: 1 }, kind: 'body: unknown field' })));
    }
    return fc.oneof(...choices);
  };

  const params = (op: Operation, where: 'path' | 'query') =>
    (op.parameters ?? []).filter((p) => p.in === where && p.schema);

  const queryOf = (op: Operation): fc.Arbitrary<Record<string, string>> => {
    const model = Object.fromEntries(
      params(op, 'query')
        .filter((p) => !opaque.includes(p.name))
        .map((p) => [p.name, value(p.schema ?? {}).map((v) => String(v))]),
    );
    return fc.record(model, {
      requiredKeys: params(op, 'query')
        .filter((p) => p.required)
        .map((p) => p.name),
    });
  };

  const pathOf = (template: string, op: Operation): fc.Arbitrary<string> => {
    const names = params(op, 'path');
    if (names.length === 0) return fc.constant(template);
    return (
      fc
        // `.` and `..` are dot segments: a URL normalizes them away before any server sees them.
        .tuple(...names.map((p) => string(resolve(p.schema ?? {})).filter((v) => v !== '.' && v !== '..')))
        .map((values) =>
          names.reduce(
            (path, p, i) => path.replace(`{${p.name}}`, encodeURIComponent(values[i] ?? '')),
            template,
          ),
        )
    );
  };

  const jsonBody = (op: Operation) => op.requestBody?.content?.['application/json']?.schema;

  /** A request the document says is valid. */
  const validRequest = (method: string, template: string, op: Operation): fc.Arbitrary<GeneratedRequest> => {
    const bodySchema = jsonBody(op);
    const body: fc.Arbitrary<unknown> = bodySchema
      ? op.requestBody?.required
        ? value(bodySchema)
        : fc.option(value(bodySchema), { nil: undefined })
      : fc.constant(undefined);
    return fc
      .record({ path: pathOf(template, op), query: queryOf(op), body })
      .map((r) => ({ method, template, ...r, kind: 'valid' }));
  };

  /** A request the document says is invalid, or null when the operation takes no input to break. */
  const invalidRequest = (
    method: string,
    template: string,
    op: Operation,
  ): fc.Arbitrary<GeneratedRequest> | null => {
    const choices: fc.Arbitrary<GeneratedRequest>[] = [];
    const valid = validRequest(method, template, op);
    for (const p of params(op, 'query')) {
      const wrong = wrongValue(resolve(p.schema ?? {}));
      if (wrong === undefined) continue;
      choices.push(
        valid.map((r) => ({
          ...r,
          query: { ...r.query, [p.name]: String(wrong) },
          kind: `query: ${p.name} wrong`,
        })),
      );
    }
    for (const p of params(op, 'path')) {
      const schema = resolve(p.schema ?? {});
      if (!schema.pattern && schema.maxLength === undefined) continue;
      const bad = schema.pattern ? 'bad id with spaces' : 'x'.repeat((schema.maxLength ?? 0) + 1);
      choices.push(
        fc.constant({
          method,
          template,
          path: template.replace(`{${p.name}}`, encodeURIComponent(bad)),
          query: {},
          kind: `path: ${p.name} wrong`,
        }),
      );
    }
    const bodySchema = jsonBody(op);
    const broken = bodySchema ? brokenObject(bodySchema) : null;
    if (broken) {
      choices.push(fc.tuple(valid, broken).map(([r, b]) => ({ ...r, body: b.value, kind: b.kind })));
    }
    return choices.length > 0 ? fc.oneof(...choices) : null;
  };

  return { validRequest, invalidRequest };
}

/** A value of another JSON type than the schema allows, or undefined when the schema allows any. */
function wrongValue(schema: Schema): unknown {
  if (schema.anyOf || schema.oneOf || schema.const !== undefined) return undefined;
  if (schema.enum) return '__not_one_of_them__';
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case 'integer':
      return schema.minimum !== undefined ? schema.minimum - 1 : 'not-a-number';
    case 'number':
      return 'not-a-number';
    case 'boolean':
      return 'yes';
    case 'string':
      return schema.maxLength !== undefined ? 'x'.repeat(schema.maxLength + 1) : undefined;
    case 'array':
    case 'object':
      return 42;
    default:
      return undefined;
  }
}
