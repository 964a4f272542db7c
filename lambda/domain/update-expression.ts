/**
 * A DynamoDB UpdateExpression with its condition, as the domain plans it and the store sends it.
 */

export interface UpdatePlan {
  messageSid: string;
  updateExpression: string;
  conditionExpression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
  /** Ask for the item as it was before a successful write (to report what changed). */
  returnPrevious: boolean;
}

/**
 * Builds an UpdateExpression with placeholders for every name and value (no reserved-word traps).
 * Hand-written: the AWS SDK v3 has no expression builder, and the one AWS published
 * (@aws/dynamodb-expressions) has been unmaintained for years; this needs SET, if_not_exists, REMOVE and
 * ADD only, and keeping it here keeps the domain free of dependencies.
 */
export class UpdateExpressionBuilder {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private readonly nameIndex = new Map<string, string>();
  private valueCount = 0;

  name(attribute: string): string {
    let placeholder = this.nameIndex.get(attribute);
    if (!placeholder) {
      placeholder = `#a${this.nameIndex.size}`;
      this.nameIndex.set(attribute, placeholder);
      this.names[placeholder] = attribute;
    }
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  set(attribute: string, value: unknown): void {
    this.sets.push(`${this.name(attribute)} = ${this.value(value)}`);
  }

  setIfNotExists(attribute: string, value: unknown): void {
    const name = this.name(attribute);
    this.sets.push(`${name} = if_not_exists(${name}, ${this.value(value)})`);
  }

  /** `attribute` takes the stored value of `source` (read inside the same write), or `fallback`. */
  copyIfNotExists(attribute: string, source: string, fallback: unknown): void {
    this.sets.push(`${this.name(attribute)} = if_not_exists(${this.name(source)}, ${this.value(fallback)})`);
  }

  add(attribute: string, value: number): void {
    this.adds.push(`${this.name(attribute)} ${this.value(value)}`);
  }

  remove(attribute: string): void {
    this.removes.push(this.name(attribute));
  }

  build(messageSid: string, options: { condition: string; returnPrevious: boolean }): UpdatePlan {
    const clauses = [
      this.sets.length ? `SET ${this.sets.join(', ')}` : '',
      this.removes.length ? `REMOVE ${this.removes.join(', ')}` : '',
      this.adds.length ? `ADD ${this.adds.join(', ')}` : '',
    ].filter(Boolean);
    return {
      messageSid,
      updateExpression: clauses.join(' '),
      conditionExpression: options.condition,
      names: this.names,
      values: this.values,
      returnPrevious: options.returnPrevious,
    };
  }
}
