/**
 * Answers templates: an answers file whose values are Handlebars templates. Each *value* is
 * rendered on its own (never the YAML text as a whole), so a name with ": " or a quote in the
 * roster cannot change the YAML structure. A partial template is laid over the shipped
 * default key by key; a key the template sets to "" is unset (the question's own default or
 * run-time resolution applies). Every rendered value then goes through the prompts' own
 * resolution and validators, exactly as `run --answers` would.
 */
import Handlebars from 'handlebars';
import type { HelperOptions, TemplateDelegate } from 'handlebars';
import { answerKeys, isAnswerKey, type AnswerKey } from '../kernel/answer-keys.js';
import { resolveAnswers } from '../prompts/answer-sources.js';
import type { AnswersDocument, RawAnswer } from '../prompts/answers-yaml.js';
import { parseAnswersYaml } from '../prompts/answers-yaml.js';
import type { AnswerScalar } from '../prompts/questions.js';
import { RunbookError } from '../kernel/errors.js';
import { lower, slug, stableHash, suffixOf, truncate } from './helpers.js';
import { knownColumns, type Attendee } from './roster.js';

export interface TemplateValue {
  readonly key: AnswerKey;
  readonly source: string;
  /** `answers.yaml:7`, the line the value came from (default or partial template). */
  readonly where: string;
  readonly render: TemplateDelegate;
}

export interface AnswersTemplate {
  readonly values: readonly TemplateValue[];
  readonly problems: readonly string[];
}

export interface TemplateText {
  readonly text: string;
  readonly origin: string;
}

/** What a template sees besides the helpers. */
export interface TemplateContext {
  /** Every roster column (`attendee.id`, `attendee.name`, ...); absent well-known ones are "". */
  readonly attendee: Readonly<Record<string, string>>;
  /** The attendee's subscription, else the host's, else "" (the logged-in one at run time). */
  readonly subscription: string;
}

interface RenderData {
  readonly suffix: string;
  readonly hashSubscription: string;
  readonly attendeeId: string;
}

/** One Handlebars environment per process: helpers read the attendee's data from `options.data`. */
const handlebars = createEnvironment();

function createEnvironment(): typeof Handlebars {
  const hb = Handlebars.create();
  const text = (helper: string, value: unknown, example: string): string => {
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    throw new Error(`{{${helper}}} needs a text value, e.g. ${example}.`);
  };
  const count = (helper: string, value: unknown, example: string): number | undefined => {
    if (value === undefined) return undefined;
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`{{${helper}}}: the length must be a whole number, e.g. ${example}.`);
    return n;
  };
  const split = (args: unknown[]): { params: unknown[]; options: HelperOptions } => ({
    params: args.slice(0, -1),
    options: args.at(-1) as HelperOptions,
  });
  const data = (options: HelperOptions): RenderData => options.data as RenderData;
  hb.registerHelper('lower', (...args: unknown[]) => lower(text('lower', split(args).params[0], '{{lower attendee.id}}')));
  hb.registerHelper('slug', (...args: unknown[]) => {
    const { params, options } = split(args);
    const example = '{{slug attendee.name 20}} or {{slug attendee.id 20 sep=""}}';
    const sep: unknown = options.hash?.sep;
    if (sep !== undefined && typeof sep !== 'string') throw new Error(`{{slug}}: sep must be text, e.g. ${example}.`);
    return slug(text('slug', params[0], example), count('slug', params[1], example), sep);
  });
  hb.registerHelper('truncate', (...args: unknown[]) => {
    const { params } = split(args);
    const example = '{{truncate attendee.id 10}}';
    const length = count('truncate', params[1], example);
    if (length === undefined) throw new Error(`{{truncate}} needs a length, e.g. ${example}.`);
    return truncate(text('truncate', params[0], example), length);
  });
  hb.registerHelper('hash', (...args: unknown[]) => {
    const { params, options } = split(args);
    const { hashSubscription, attendeeId } = data(options);
    return stableHash(hashSubscription, attendeeId, count('hash', params[0], '{{hash 6}}'));
  });
  hb.registerHelper('suffix', (...args: unknown[]) => {
    const { params, options } = split(args);
    return suffixOf(data(options).suffix, count('suffix', params[0], '{{suffix 4}}'));
  });
  return hb;
}

/**
 * Parses the default and the (optional) partial template, compiles every value and checks
 * that each `attendee.<column>` it reads exists in the roster. Problems are collected, not thrown.
 */
export function loadTemplate(base: TemplateText, partial: TemplateText | undefined, columns: readonly string[]): AnswersTemplate {
  const problems: string[] = [];
  const merged = new Map<AnswerKey, RawAnswer>();
  for (const source of [base, partial]) {
    if (!source) continue;
    let document: AnswersDocument;
    try {
      document = parseAnswersYaml(source.text, source.origin);
    } catch (error) {
      problems.push(error instanceof RunbookError ? [error.message, ...error.hints].join(' ') : String(error));
      continue;
    }
    problems.push(...document.problems);
    for (const [key, entry] of document.entries) {
      if (!isAnswerKey(key)) {
        problems.push(`${entry.where}: "${key}" is not an answer key. Valid keys: ${answerKeys.join(', ')}.`);
        continue;
      }
      merged.set(key, entry); // the partial template, read second, wins key by key
    }
  }
  const known = new Set([...knownColumns, ...columns]);
  const values: TemplateValue[] = [];
  for (const key of answerKeys) {
    const entry = merged.get(key);
    if (!entry) continue;
    try {
      const ast = handlebars.parse(entry.raw);
      for (const column of attendeeColumnsRead(ast)) {
        if (!known.has(column)) {
          problems.push(
            `${entry.where}: ${key} reads attendee.${column}, but the roster has no "${column}" column (columns: ${[...known].join(', ')}).`,
          );
        }
      }
      values.push({ key, source: entry.raw, where: entry.where, render: handlebars.compile(entry.raw, { strict: true, noEscape: true }) });
    } catch (error) {
      problems.push(`${entry.where}: ${key} is not a valid template: ${firstLine(error)}`);
    }
  }
  return { values, problems };
}

/** Every `attendee.<name>` path in a parsed template (mustaches, block params, sub-expressions). */
function attendeeColumnsRead(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) attendeeColumnsRead(item, found);
  } else if (node && typeof node === 'object') {
    const record = node as { type?: string; parts?: unknown; data?: boolean; loc?: unknown };
    if (
      record.type === 'PathExpression' &&
      !record.data &&
      Array.isArray(record.parts) &&
      record.parts[0] === 'attendee' &&
      typeof record.parts[1] === 'string'
    ) {
      found.add(record.parts[1]);
    }
    for (const [name, value] of Object.entries(node)) if (name !== 'loc') attendeeColumnsRead(value, found);
  }
  return found;
}

export interface RenderInput {
  readonly attendee: Attendee;
  readonly suffix: string;
  /** The host's subscription (flag, env or workshop.yaml), "" when unknown. */
  readonly hostSubscription: string;
}

export interface RenderedAttendee {
  readonly attendee: Attendee;
  /** The values the template set (what DIR/<id>/answers.yaml contains). */
  readonly explicit: Readonly<Partial<Record<AnswerKey, AnswerScalar>>>;
  /** Those plus the questions' defaults: what the run will use (collisions are checked on these). */
  readonly effective: Readonly<Partial<Record<AnswerKey, AnswerScalar>>>;
  readonly problems: readonly string[];
}

export function renderAttendee(template: AnswersTemplate, input: RenderInput): RenderedAttendee {
  const { attendee, suffix, hostSubscription } = input;
  const fields: Record<string, string> = {};
  for (const column of knownColumns) fields[column] = '';
  Object.assign(fields, attendee.fields);
  const subscription = fields.subscriptionId || hostSubscription;
  const context: TemplateContext = { attendee: fields, subscription };
  const data: RenderData = { suffix, hashSubscription: subscription, attendeeId: attendee.id };
  const problems: string[] = [];
  const entries = new Map<string, RawAnswer>();
  const label = `attendee "${attendee.id}" (${attendee.where})`;
  for (const value of template.values) {
    try {
      const text = value.render(context, { data }).trim();
      // Rendered empty = not set, like `key:` in an answers file.
      if (text !== '') entries.set(value.key, { raw: text, where: `${value.where}, ${label}` });
    } catch (error) {
      problems.push(`${value.where}, ${label}: ${value.key}: ${firstLine(error)}`);
    }
  }
  const resolved = resolveAnswers({
    needed: answerKeys,
    layers: { file: { origin: label, entries, problems: [] }, env: {}, sets: [] },
  });
  for (const invalid of resolved.invalid) {
    const shown = invalid.shown === undefined ? '' : ` ${JSON.stringify(invalid.shown)}`;
    problems.push(`${invalid.provenance.where ?? label}: ${invalid.key}${shown} ${invalid.message}`);
  }
  for (const key of resolved.missing) problems.push(`${label}: ${key} has no value; set it in the template.`);
  problems.push(...resolved.sourceProblems.map((p) => `${label}: ${p}`));
  const effective = resolved.values;
  // provision-base creates the resource group, which needs a region (steps/provision-base.ts).
  if (effective.createBaseResources === true && !effective.location && !problems.some((p) => p.includes(': location'))) {
    problems.push(
      `${label}: location has no value, but createBaseResources is true and a new resource group needs one; add a location column or set location in the template.`,
    );
  }
  const explicit: Partial<Record<AnswerKey, AnswerScalar>> = {};
  for (const [key, provenance] of Object.entries(resolved.provenance) as [AnswerKey, { source: string }][]) {
    const value = effective[key];
    if (provenance.source === 'file' && value !== undefined) explicit[key] = value;
  }
  return { attendee, explicit, effective, problems };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
