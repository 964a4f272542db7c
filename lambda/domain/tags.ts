/**
 * Tags: up to 10 short key -> value strings a message carries, set by the sender's request (`tags`) or
 * by the query string of the status callback URL an application gave Twilio
 * (`.../message-status?tenant=acme&campaign=spring`). Twilio signs the full URL, so those parameters are
 * as authentic as the callback itself.
 *
 * The limits bound what tags add to an item (at most 440 bytes stored, with the `tag_` prefixes). Up to
 * about 200 bytes of tags a message stays under 1 KB, so each write is one write capacity unit; near the
 * 400-byte cap a fully described message passes 1 KB and its later writes cost two (`npm run bench:list`
 * measures where; docs/SCALING.md).
 *
 * Stored as one top-level attribute per tag (`tag_<key>`), like the status times: one UpdateItem can
 * then create an item and fill a single key (`if_not_exists`), which a map attribute cannot do (DynamoDB
 * cannot SET a path inside a map that does not exist yet). `toMessageRecord` folds them into `tags`.
 */
export const MAX_TAGS = 10;
export const MAX_TAG_VALUE_LENGTH = 256;
/** All keys and values together, in UTF-8 bytes. */
export const MAX_TAG_BYTES = 400;
export const TAG_KEY_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const TAG_ATTRIBUTE_PREFIX = 'tag_';
/** The one key the pattern admits that no tag may have (see tagProblem). */
export const RESERVED_TAG_KEY = '__proto__';

/** No control characters: a tag ends up in logs, JSON, CSV and events. */
const TAG_VALUE_PATTERN = /^[^\p{Cc}]*$/u;

export type Tags = Record<string, string>;

/** True when `value` holds no control character (the empty text included). */
export function hasNoControlCharacters(value: string): boolean {
  return TAG_VALUE_PATTERN.test(value);
}

export function tagAttribute(key: string): string {
  return `${TAG_ATTRIBUTE_PREFIX}${key}`;
}

/** Why one key/value pair is not a tag, or undefined when it is one. */
export function tagProblem(key: string, value: unknown): string | undefined {
  if (!TAG_KEY_PATTERN.test(key)) return `tag key "${key.slice(0, 70)}" must be 1-64 of A-Z a-z 0-9 _ . -`;
  // Assigning `__proto__` on an object replaces its prototype instead of adding a key: such a tag would
  // vanish from a message, and as a list filter it would widen the listing to every message.
  if (key === RESERVED_TAG_KEY) return `tag key "${key}" is reserved`;
  if (typeof value !== 'string') return `tag "${key}" must be a string`;
  if (value.length > MAX_TAG_VALUE_LENGTH) {
    return `tag "${key}" is longer than ${MAX_TAG_VALUE_LENGTH} characters`;
  }
  if (!TAG_VALUE_PATTERN.test(value)) return `tag "${key}" must not contain control characters`;
  return undefined;
}

// TextEncoder, not Node's Buffer: the domain also runs in the web console's bundle.
const UTF8 = new TextEncoder();
/** What one tag counts against MAX_TAG_BYTES: its key and value in UTF-8 bytes. */
export function tagBytes(key: string, value: string): number {
  return UTF8.encode(key).length + UTF8.encode(value).length;
}

/** A sender request's `tags`, all or nothing: the first problem, or the tags. */
export function validateTags(input: unknown): { ok: true; tags: Tags } | { ok: false; problem: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problem: '"tags" must be an object of key -> string' };
  }
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > MAX_TAGS) return { ok: false, problem: `"tags" may hold at most ${MAX_TAGS} tags` };
  let bytes = 0;
  for (const [key, value] of entries) {
    const problem = tagProblem(key, value);
    if (problem) return { ok: false, problem };
    bytes += tagBytes(key, value as string);
  }
  if (bytes > MAX_TAG_BYTES) {
    return { ok: false, problem: `"tags" take more than ${MAX_TAG_BYTES} bytes (keys and values, UTF-8)` };
  }
  return { ok: true, tags: Object.fromEntries(entries) as Tags };
}

/**
 * Tags from a callback URL's query string, leniently: parameters are kept in order while they are valid
 * tags within the limits; the rest are ignored and named in `ignored` (to be logged), never an error,
 * since Twilio would only retry a refused callback. A key given twice keeps its first value.
 */
export function tagsFromQueryString(rawQueryString: string | undefined): { tags: Tags; ignored: string[] } {
  const tags: Tags = {};
  const ignored: string[] = [];
  if (!rawQueryString) return { tags, ignored };
  let bytes = 0;
  let count = 0;
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    const name = key.slice(0, 70);
    if (Object.hasOwn(tags, key) || tagProblem(key, value) !== undefined || count >= MAX_TAGS) {
      ignored.push(name);
      continue;
    }
    if (bytes + tagBytes(key, value) > MAX_TAG_BYTES) {
      ignored.push(name);
      continue;
    }
    tags[key] = value;
    bytes += tagBytes(key, value);
    count++;
  }
  return { tags, ignored };
}
