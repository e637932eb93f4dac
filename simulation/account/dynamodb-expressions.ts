/**
 * DynamoDB condition, update and projection expressions: a small real parser and evaluator.
 *
 * Covers what lock and token records need and the rules that catch real mistakes: reserved words
 * used bare, undefined or unused placeholders, type rules of comparisons and arithmetic.
 */

import { isReservedWord } from './dynamodb-reserved-words.js';

/** A DynamoDB attribute value in DynamoDB JSON; exactly one member is set. */
export interface AttributeValue {
  S?: string;
  N?: string;
  B?: Uint8Array | string;
  BOOL?: boolean;
  NULL?: boolean;
  L?: AttributeValue[];
  M?: Record<string, AttributeValue>;
  SS?: string[];
  NS?: string[];
  BS?: (Uint8Array | string)[];
}

export type Item = Record<string, AttributeValue>;

export type AttributeType = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'L' | 'M' | 'SS' | 'NS' | 'BS';

export const ATTRIBUTE_TYPES: readonly AttributeType[] = [
  'S',
  'N',
  'B',
  'BOOL',
  'NULL',
  'L',
  'M',
  'SS',
  'NS',
  'BS',
];

export function typeOf(value: AttributeValue): AttributeType {
  const present = ATTRIBUTE_TYPES.filter((type) => value[type] !== undefined);
  const [type] = present;
  if (present.length !== 1 || type === undefined) {
    throw new ExpressionError(
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    );
  }
  return type;
}

/** A ValidationException message raised while parsing or evaluating an expression. */
export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

export type ExpressionKind = 'ConditionExpression' | 'UpdateExpression' | 'ProjectionExpression';

type PathElement =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number };
export type DocumentPath = readonly PathElement[];

type Operand =
  | { readonly kind: 'path'; readonly path: DocumentPath }
  | { readonly kind: 'value'; readonly value: AttributeValue; readonly placeholder: string }
  | { readonly kind: 'size'; readonly path: DocumentPath };

export type Condition =
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly operand: Condition }
  | {
      readonly kind: 'compare';
      readonly operator: Comparator;
      readonly left: Operand;
      readonly right: Operand;
    }
  | { readonly kind: 'between'; readonly value: Operand; readonly low: Operand; readonly high: Operand }
  | { readonly kind: 'in'; readonly value: Operand; readonly options: readonly Operand[] }
  | { readonly kind: 'function'; readonly name: ConditionFunction; readonly args: readonly Operand[] };

type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';
type ConditionFunction =
  | 'attribute_exists'
  | 'attribute_not_exists'
  | 'attribute_type'
  | 'begins_with'
  | 'contains';

type SetValue =
  | { readonly kind: 'operand'; readonly operand: Operand }
  | { readonly kind: 'if_not_exists'; readonly path: DocumentPath; readonly fallback: SetValue }
  | { readonly kind: 'list_append'; readonly first: SetValue; readonly second: SetValue }
  | {
      readonly kind: 'arithmetic';
      readonly operator: '+' | '-';
      readonly left: SetValue;
      readonly right: SetValue;
    };

export type UpdateAction =
  | { readonly kind: 'SET'; readonly path: DocumentPath; readonly value: SetValue }
  | { readonly kind: 'REMOVE'; readonly path: DocumentPath }
  | { readonly kind: 'ADD' | 'DELETE'; readonly path: DocumentPath; readonly value: ValueOperand };

type ValueOperand = Extract<Operand, { readonly kind: 'value' }>;

/** The placeholders of one request, and which of them the expressions used. */
export class ExpressionContext {
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();

  constructor(
    readonly names: Readonly<Record<string, string>> = {},
    readonly values: Readonly<Record<string, AttributeValue>> = {},
  ) {}

  /** DynamoDB refuses placeholders that no expression of the request uses. */
  checkAllUsed(): void {
    const unusedValues = Object.keys(this.values).filter((key) => !this.usedValues.has(key));
    if (unusedValues.length > 0) {
      throw new ExpressionError(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`,
      );
    }
    const unusedNames = Object.keys(this.names).filter((key) => !this.usedNames.has(key));
    if (unusedNames.length > 0) {
      throw new ExpressionError(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`,
      );
    }
  }
}

// --- Tokens ---------------------------------------------------------------------------------------

type TokenKind = 'identifier' | 'name' | 'value' | 'number' | 'symbol' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly position: number;
}

const SYMBOLS = ['<>', '<=', '>=', '=', '<', '>', '(', ')', ',', '.', '[', ']', '+', '-'];

function tokenize(source: string, kind: ExpressionKind): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < source.length) {
    const rest = source.slice(position);
    const whitespace = /^\s+/.exec(rest);
    if (whitespace !== null) {
      position += whitespace[0].length;
      continue;
    }
    const match =
      matchToken(rest, /^#[A-Za-z0-9_]+/, 'name') ??
      matchToken(rest, /^:[A-Za-z0-9_]+/, 'value') ??
      matchToken(rest, /^[A-Za-z_][A-Za-z0-9_]*/, 'identifier') ??
      matchToken(rest, /^[0-9]+/, 'number');
    if (match !== undefined) {
      tokens.push({ ...match, position });
      position += match.text.length;
      continue;
    }
    const symbol = SYMBOLS.find((candidate) => rest.startsWith(candidate));
    if (symbol === undefined) {
      throw syntaxError(kind, rest.charAt(0), source, position);
    }
    tokens.push({ kind: 'symbol', text: symbol, position });
    position += symbol.length;
  }
  tokens.push({ kind: 'end', text: '<EOF>', position: source.length });
  return tokens;
}

function matchToken(
  rest: string,
  pattern: RegExp,
  kind: TokenKind,
): { kind: TokenKind; text: string } | undefined {
  const match = pattern.exec(rest);
  return match === null ? undefined : { kind, text: match[0] };
}

function syntaxError(kind: ExpressionKind, token: string, source: string, position: number): ExpressionError {
  const near = source.slice(Math.max(0, position - 10), position + 10).trim();
  return new ExpressionError(`Invalid ${kind}: Syntax error; token: "${token}", near: "${near}"`);
}

// --- Parser ---------------------------------------------------------------------------------------

const CONDITION_FUNCTIONS: readonly ConditionFunction[] = [
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
];

class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(
    private readonly source: string,
    private readonly kind: ExpressionKind,
    private readonly context: ExpressionContext,
  ) {
    this.tokens = tokenize(source, kind);
  }

  parseCondition(): Condition {
    const condition = this.parseOr();
    this.expectEnd();
    return condition;
  }

  parseUpdate(): UpdateAction[] {
    const actions: UpdateAction[] = [];
    const seenClauses = new Set<string>();
    while (this.peek().kind !== 'end') {
      const clause = this.peek().text.toUpperCase();
      if (this.peek().kind !== 'identifier' || !['SET', 'REMOVE', 'ADD', 'DELETE'].includes(clause)) {
        throw this.unexpected();
      }
      if (seenClauses.has(clause)) {
        throw new ExpressionError(
          `Invalid UpdateExpression: The "${clause}" section can only be used once in an update expression;`,
        );
      }
      seenClauses.add(clause);
      this.advance();
      do {
        actions.push(this.parseAction(clause as UpdateAction['kind']));
      } while (this.consumeSymbol(','));
    }
    if (actions.length === 0) {
      throw syntaxError(this.kind, '<EOF>', this.source, this.source.length);
    }
    return actions;
  }

  parseProjection(): DocumentPath[] {
    const paths: DocumentPath[] = [];
    do {
      paths.push(this.parsePath());
    } while (this.consumeSymbol(','));
    this.expectEnd();
    return paths;
  }

  private parseAction(clause: UpdateAction['kind']): UpdateAction {
    const path = this.parsePath();
    switch (clause) {
      case 'SET':
        this.expectSymbol('=');
        return { kind: 'SET', path, value: this.parseSetValue() };
      case 'REMOVE':
        return { kind: 'REMOVE', path };
      case 'ADD':
      case 'DELETE': {
        const value = this.parseOperand();
        if (value.kind !== 'value') {
          throw new ExpressionError(
            `Invalid UpdateExpression: ${clause} requires an expression attribute value`,
          );
        }
        return { kind: clause, path, value };
      }
    }
  }

  private parseSetValue(): SetValue {
    const left = this.parseSetOperand();
    const symbol = this.peek();
    if (symbol.kind === 'symbol' && (symbol.text === '+' || symbol.text === '-')) {
      this.advance();
      return { kind: 'arithmetic', operator: symbol.text, left, right: this.parseSetOperand() };
    }
    return left;
  }

  private parseSetOperand(): SetValue {
    const token = this.peek();
    const next = this.tokens[this.index + 1];
    if (token.kind === 'identifier' && next?.text === '(') {
      if (token.text === 'if_not_exists') {
        this.advance();
        this.expectSymbol('(');
        const path = this.parsePath();
        this.expectSymbol(',');
        const fallback = this.parseSetValue();
        this.expectSymbol(')');
        return { kind: 'if_not_exists', path, fallback };
      }
      if (token.text === 'list_append') {
        this.advance();
        this.expectSymbol('(');
        const first = this.parseSetValue();
        this.expectSymbol(',');
        const second = this.parseSetValue();
        this.expectSymbol(')');
        return { kind: 'list_append', first, second };
      }
      throw new ExpressionError(`Invalid UpdateExpression: Invalid function name; function: ${token.text}`);
    }
    return { kind: 'operand', operand: this.parseOperand() };
  }

  private parseOr(): Condition {
    let left = this.parseAnd();
    while (this.consumeKeyword('OR')) {
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Condition {
    let left = this.parseNot();
    while (this.consumeKeyword('AND')) {
      left = { kind: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): Condition {
    if (this.consumeKeyword('NOT')) {
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Condition {
    if (this.consumeSymbol('(')) {
      const inner = this.parseOr();
      this.expectSymbol(')');
      return inner;
    }
    const token = this.peek();
    const next = this.tokens[this.index + 1];
    if (token.kind === 'identifier' && next?.text === '(' && token.text !== 'size') {
      const name = token.text;
      if (!CONDITION_FUNCTIONS.includes(name as ConditionFunction)) {
        throw new ExpressionError(`Invalid ${this.kind}: Invalid function name; function: ${name}`);
      }
      this.advance();
      this.expectSymbol('(');
      const args: Operand[] = [this.parseOperand()];
      while (this.consumeSymbol(',')) {
        args.push(this.parseOperand());
      }
      this.expectSymbol(')');
      const expected = name === 'attribute_exists' || name === 'attribute_not_exists' ? 1 : 2;
      if (args.length !== expected || args[0]?.kind !== 'path') {
        throw new ExpressionError(
          `Invalid ${this.kind}: Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`,
        );
      }
      return { kind: 'function', name: name as ConditionFunction, args };
    }
    const left = this.parseOperand();
    if (this.consumeKeyword('BETWEEN')) {
      const low = this.parseOperand();
      if (!this.consumeKeyword('AND')) {
        throw this.unexpected();
      }
      return { kind: 'between', value: left, low, high: this.parseOperand() };
    }
    if (this.consumeKeyword('IN')) {
      this.expectSymbol('(');
      const options: Operand[] = [this.parseOperand()];
      while (this.consumeSymbol(',')) {
        options.push(this.parseOperand());
      }
      this.expectSymbol(')');
      return { kind: 'in', value: left, options };
    }
    const operator = this.peek();
    if (operator.kind === 'symbol' && ['=', '<>', '<', '<=', '>', '>='].includes(operator.text)) {
      this.advance();
      return { kind: 'compare', operator: operator.text as Comparator, left, right: this.parseOperand() };
    }
    throw this.unexpected();
  }

  private parseOperand(): Operand {
    const token = this.peek();
    if (token.kind === 'value') {
      this.advance();
      const value = this.context.values[token.text];
      if (value === undefined) {
        throw new ExpressionError(
          `Invalid ${this.kind}: An expression attribute value used in expression is not defined; attribute value: ${token.text}`,
        );
      }
      this.context.usedValues.add(token.text);
      return { kind: 'value', value, placeholder: token.text };
    }
    if (token.kind === 'identifier' && token.text === 'size' && this.tokens[this.index + 1]?.text === '(') {
      this.advance();
      this.expectSymbol('(');
      const path = this.parsePath();
      this.expectSymbol(')');
      return { kind: 'size', path };
    }
    return { kind: 'path', path: this.parsePath() };
  }

  private parsePath(): DocumentPath {
    const elements: PathElement[] = [{ kind: 'name', name: this.parseName() }];
    for (;;) {
      if (this.consumeSymbol('.')) {
        elements.push({ kind: 'name', name: this.parseName() });
      } else if (this.consumeSymbol('[')) {
        const token = this.peek();
        if (token.kind !== 'number') {
          throw this.unexpected();
        }
        this.advance();
        this.expectSymbol(']');
        elements.push({ kind: 'index', index: Number.parseInt(token.text, 10) });
      } else {
        return elements;
      }
    }
  }

  private parseName(): string {
    const token = this.peek();
    if (token.kind === 'name') {
      this.advance();
      const name = this.context.names[token.text];
      if (name === undefined) {
        throw new ExpressionError(
          `Invalid ${this.kind}: An expression attribute name used in the document path is not defined; attribute name: ${token.text}`,
        );
      }
      this.context.usedNames.add(token.text);
      return name;
    }
    if (token.kind === 'identifier') {
      if (isReservedWord(token.text)) {
        throw new ExpressionError(
          `Invalid ${this.kind}: Attribute name is a reserved keyword; reserved keyword: ${token.text}`,
        );
      }
      this.advance();
      return token.text;
    }
    throw this.unexpected();
  }

  private peek(): Token {
    return this.tokens[this.index] ?? { kind: 'end', text: '<EOF>', position: this.source.length };
  }

  private advance(): void {
    this.index += 1;
  }

  private consumeSymbol(symbol: string): boolean {
    const token = this.peek();
    if (token.kind === 'symbol' && token.text === symbol) {
      this.advance();
      return true;
    }
    return false;
  }

  private consumeKeyword(keyword: string): boolean {
    const token = this.peek();
    if (token.kind === 'identifier' && token.text.toUpperCase() === keyword) {
      this.advance();
      return true;
    }
    return false;
  }

  private expectSymbol(symbol: string): void {
    if (!this.consumeSymbol(symbol)) {
      throw this.unexpected();
    }
  }

  private expectEnd(): void {
    if (this.peek().kind !== 'end') {
      throw this.unexpected();
    }
  }

  private unexpected(): ExpressionError {
    const token = this.peek();
    return syntaxError(this.kind, token.text, this.source, token.position);
  }
}

export function parseCondition(source: string, context: ExpressionContext): Condition {
  return new Parser(source, 'ConditionExpression', context).parseCondition();
}

export function parseUpdate(source: string, context: ExpressionContext): UpdateAction[] {
  return new Parser(source, 'UpdateExpression', context).parseUpdate();
}

export function parseProjection(source: string, context: ExpressionContext): DocumentPath[] {
  return new Parser(source, 'ProjectionExpression', context).parseProjection();
}

// --- Evaluation -----------------------------------------------------------------------------------

export function resolvePath(item: Item | undefined, path: DocumentPath): AttributeValue | undefined {
  let current: AttributeValue | undefined;
  for (const [position, element] of path.entries()) {
    if (position === 0) {
      current = element.kind === 'name' ? item?.[element.name] : undefined;
    } else if (element.kind === 'name') {
      current = current?.M?.[element.name];
    } else {
      current = current?.L?.[element.index];
    }
    if (current === undefined) {
      return undefined;
    }
  }
  return current;
}

function operandValue(item: Item | undefined, operand: Operand): AttributeValue | undefined {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path':
      return resolvePath(item, operand.path);
    case 'size': {
      const value = resolvePath(item, operand.path);
      const size = value === undefined ? undefined : sizeOf(value);
      return size === undefined ? undefined : { N: String(size) };
    }
  }
}

function sizeOf(value: AttributeValue): number | undefined {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.B !== undefined)
    return typeof value.B === 'string' ? Buffer.from(value.B, 'base64').length : value.B.length;
  if (value.L !== undefined) return value.L.length;
  if (value.M !== undefined) return Object.keys(value.M).length;
  return value.SS?.length ?? value.NS?.length ?? value.BS?.length;
}

export function evaluateCondition(condition: Condition, item: Item | undefined): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case 'or':
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case 'not':
      return !evaluateCondition(condition.operand, item);
    case 'compare':
      return compare(
        condition.operator,
        operandValue(item, condition.left),
        operandValue(item, condition.right),
      );
    case 'between': {
      const value = operandValue(item, condition.value);
      const low = operandValue(item, condition.low);
      const high = operandValue(item, condition.high);
      if (low !== undefined && high !== undefined && order(low, high) === 1) {
        throw new ExpressionError(
          'Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound',
        );
      }
      return compare('>=', value, low) && compare('<=', value, high);
    }
    case 'in': {
      const value = operandValue(item, condition.value);
      return condition.options.some((option) => compare('=', value, operandValue(item, option)));
    }
    case 'function':
      return evaluateFunction(condition.name, condition.args, item);
  }
}

function evaluateFunction(
  name: ConditionFunction,
  args: readonly Operand[],
  item: Item | undefined,
): boolean {
  const [first, second] = args;
  const target = first === undefined ? undefined : operandValue(item, first);
  const argument = second === undefined ? undefined : operandValue(item, second);
  switch (name) {
    case 'attribute_exists':
      return target !== undefined;
    case 'attribute_not_exists':
      return target === undefined;
    case 'attribute_type': {
      const wanted = argument?.S;
      if (wanted === undefined || !ATTRIBUTE_TYPES.includes(wanted as AttributeType)) {
        throw new ExpressionError(
          `Invalid ConditionExpression: Invalid attribute type name found; type: ${wanted}`,
        );
      }
      return target !== undefined && typeOf(target) === wanted;
    }
    case 'begins_with':
      if (target?.S !== undefined && argument?.S !== undefined) {
        return target.S.startsWith(argument.S);
      }
      return false;
    case 'contains':
      if (target === undefined || argument === undefined) {
        return false;
      }
      if (target.S !== undefined && argument.S !== undefined) return target.S.includes(argument.S);
      if (target.SS !== undefined && argument.S !== undefined) return target.SS.includes(argument.S);
      if (target.NS !== undefined && argument.N !== undefined) {
        return target.NS.some((number) => Number(number) === Number(argument.N));
      }
      if (target.L !== undefined) return target.L.some((element) => valuesEqual(element, argument));
      return false;
  }
}

/**
 * A comparison with a missing attribute is false, except `<>` which is true: the attribute does not
 * hold the compared value.
 */
function compare(
  operator: Comparator,
  left: AttributeValue | undefined,
  right: AttributeValue | undefined,
): boolean {
  if (left === undefined || right === undefined) {
    return operator === '<>';
  }
  if (operator === '=') return valuesEqual(left, right);
  if (operator === '<>') return !valuesEqual(left, right);
  const ordering = order(left, right);
  if (ordering === undefined) {
    return false;
  }
  switch (operator) {
    case '<':
      return ordering < 0;
    case '<=':
      return ordering <= 0;
    case '>':
      return ordering > 0;
    case '>=':
      return ordering >= 0;
  }
}

/** Orders numbers numerically and strings by UTF-8 bytes; other types (or mixed types) do not order. */
function order(left: AttributeValue, right: AttributeValue): -1 | 0 | 1 | undefined {
  if (left.N !== undefined && right.N !== undefined) {
    const difference = Number(left.N) - Number(right.N);
    return difference < 0 ? -1 : difference > 0 ? 1 : 0;
  }
  if (left.S !== undefined && right.S !== undefined) {
    return Math.sign(Buffer.compare(Buffer.from(left.S, 'utf8'), Buffer.from(right.S, 'utf8'))) as -1 | 0 | 1;
  }
  return undefined;
}

export function valuesEqual(left: AttributeValue, right: AttributeValue): boolean {
  const type = typeOf(left);
  if (type !== typeOf(right)) {
    return false;
  }
  switch (type) {
    case 'N':
      return Number(left.N) === Number(right.N);
    case 'SS':
      return sameSet(left.SS ?? [], right.SS ?? []);
    case 'NS':
      return sameSet((left.NS ?? []).map(Number).map(String), (right.NS ?? []).map(Number).map(String));
    case 'L': {
      const a = left.L ?? [];
      const b = right.L ?? [];
      return (
        a.length === b.length &&
        a.every((element, index) => {
          const other = b[index];
          return other !== undefined && valuesEqual(element, other);
        })
      );
    }
    case 'M': {
      const a = left.M ?? {};
      const b = right.M ?? {};
      const keys = Object.keys(a);
      return (
        keys.length === Object.keys(b).length &&
        keys.every((key) => {
          const x = a[key];
          const y = b[key];
          return x !== undefined && y !== undefined && valuesEqual(x, y);
        })
      );
    }
    default:
      return JSON.stringify(left) === JSON.stringify(right);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return a.length === b.length && b.every((element) => set.has(element));
}

/**
 * Applies update actions to a copy of the item. Every operand reads the item as it was before the
 * update, as DynamoDB does. Returns the new item and the top-level attributes touched.
 */
export function applyUpdate(
  original: Item | undefined,
  actions: readonly UpdateAction[],
  keyAttributes: readonly string[],
): { item: Item; touched: string[] } {
  checkOverlaps(actions);
  const item: Item = structuredClone(original ?? {});
  const touched = new Set<string>();
  for (const action of actions) {
    const [head] = action.path;
    if (head?.kind === 'name' && keyAttributes.includes(head.name)) {
      throw new ExpressionError(
        `One or more parameter values were invalid: Cannot update attribute ${head.name}. This attribute is part of the key`,
      );
    }
    if (head?.kind === 'name') touched.add(head.name);
    switch (action.kind) {
      case 'SET':
        writePath(item, action.path, evaluateSetValue(action.value, original));
        break;
      case 'REMOVE':
        removePath(item, action.path);
        break;
      case 'ADD':
        writePath(item, action.path, addValues(resolvePath(original, action.path), action.value.value));
        break;
      case 'DELETE': {
        const remaining = deleteFromSet(resolvePath(original, action.path), action.value.value);
        if (remaining === undefined) removePath(item, action.path);
        else writePath(item, action.path, remaining);
        break;
      }
    }
  }
  return { item, touched: [...touched] };
}

function checkOverlaps(actions: readonly UpdateAction[]): void {
  const seen = new Map<string, string>();
  for (const action of actions) {
    const text = pathText(action.path);
    const clash = [...seen.keys()].find(
      (other) =>
        other === text ||
        other.startsWith(`${text}.`) ||
        text.startsWith(`${other}.`) ||
        other.startsWith(`${text}[`) ||
        text.startsWith(`${other}[`),
    );
    if (clash !== undefined) {
      throw new ExpressionError(
        `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${clash}], path two: [${text}]`,
      );
    }
    seen.set(text, action.kind);
  }
}

function pathText(path: DocumentPath): string {
  return path
    .map((element, index) => {
      if (element.kind === 'index') return `[${element.index}]`;
      return index === 0 ? element.name : `.${element.name}`;
    })
    .join('');
}

function evaluateSetValue(value: SetValue, original: Item | undefined): AttributeValue {
  switch (value.kind) {
    case 'operand': {
      const resolved = operandValue(original, value.operand);
      if (resolved === undefined) {
        throw new ExpressionError(
          'The provided expression refers to an attribute that does not exist in the item',
        );
      }
      return structuredClone(resolved);
    }
    case 'if_not_exists':
      return structuredClone(resolvePath(original, value.path) ?? evaluateSetValue(value.fallback, original));
    case 'list_append': {
      const first = evaluateSetValue(value.first, original);
      const second = evaluateSetValue(value.second, original);
      if (first.L === undefined || second.L === undefined) {
        throw new ExpressionError(
          'Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append',
        );
      }
      return { L: [...first.L, ...second.L] };
    }
    case 'arithmetic': {
      const left = evaluateSetValue(value.left, original);
      const right = evaluateSetValue(value.right, original);
      if (left.N === undefined || right.N === undefined) {
        throw new ExpressionError(
          `Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ${value.operator}`,
        );
      }
      const result =
        value.operator === '+' ? Number(left.N) + Number(right.N) : Number(left.N) - Number(right.N);
      return { N: String(result) };
    }
  }
}

function addValues(current: AttributeValue | undefined, added: AttributeValue): AttributeValue {
  if (added.N !== undefined) {
    if (current !== undefined && current.N === undefined) {
      throw new ExpressionError('An operand in the update expression has an incorrect data type');
    }
    return { N: String(Number(current?.N ?? '0') + Number(added.N)) };
  }
  for (const type of ['SS', 'NS', 'BS'] as const) {
    const values = added[type];
    if (values !== undefined) {
      if (current !== undefined && current[type] === undefined) {
        throw new ExpressionError('An operand in the update expression has an incorrect data type');
      }
      const merged = [...(current?.[type] ?? [])];
      for (const element of values) {
        if (!merged.some((existing) => JSON.stringify(existing) === JSON.stringify(element)))
          merged.push(element);
      }
      return { [type]: merged };
    }
  }
  throw new ExpressionError(
    'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD',
  );
}

function deleteFromSet(
  current: AttributeValue | undefined,
  removed: AttributeValue,
): AttributeValue | undefined {
  for (const type of ['SS', 'NS', 'BS'] as const) {
    const values = removed[type];
    if (values !== undefined) {
      if (current === undefined) {
        return undefined;
      }
      const existing = current[type];
      if (existing === undefined) {
        throw new ExpressionError('An operand in the update expression has an incorrect data type');
      }
      const remaining = existing.filter(
        (element) => !values.some((value) => JSON.stringify(value) === JSON.stringify(element)),
      );
      return remaining.length === 0 ? undefined : { [type]: remaining };
    }
  }
  throw new ExpressionError(
    'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE',
  );
}

function invalidPath(): ExpressionError {
  return new ExpressionError('The document path provided in the update expression is invalid for update');
}

function writePath(item: Item, path: DocumentPath, value: AttributeValue): void {
  const parent = parentOf(item, path);
  const last = path[path.length - 1];
  if (last === undefined) {
    throw invalidPath();
  }
  if (path.length === 1 && last.kind === 'name') {
    item[last.name] = value;
    return;
  }
  if (last.kind === 'name') {
    if (parent?.M === undefined) throw invalidPath();
    parent.M[last.name] = value;
    return;
  }
  if (parent?.L === undefined) throw invalidPath();
  // Writing past the end of a list appends, as DynamoDB does.
  if (last.index >= parent.L.length) parent.L.push(value);
  else parent.L[last.index] = value;
}

function removePath(item: Item, path: DocumentPath): void {
  const last = path[path.length - 1];
  if (last === undefined) {
    return;
  }
  if (path.length === 1 && last.kind === 'name') {
    delete item[last.name];
    return;
  }
  const parent = parentOf(item, path);
  if (last.kind === 'name' && parent?.M !== undefined) {
    delete parent.M[last.name];
  } else if (last.kind === 'index' && parent?.L !== undefined && last.index < parent.L.length) {
    parent.L.splice(last.index, 1);
  }
}

function parentOf(item: Item, path: DocumentPath): AttributeValue | undefined {
  return path.length <= 1 ? undefined : resolvePath(item, path.slice(0, -1));
}

/** Copies only the projected paths of an item (top-level attributes and nested map members). */
export function project(item: Item, paths: readonly DocumentPath[]): Item {
  const result: Item = {};
  for (const path of paths) {
    const value = resolvePath(item, path);
    const [head] = path;
    if (value === undefined || head?.kind !== 'name') {
      continue;
    }
    if (path.length === 1) {
      result[head.name] = structuredClone(value);
      continue;
    }
    // Nested projections keep the enclosing maps, as DynamoDB returns them.
    const root = result[head.name] ?? { M: {} };
    result[head.name] = root;
    let target = root;
    for (const element of path.slice(1, -1)) {
      if (element.kind !== 'name' || target.M === undefined) break;
      const child = target.M[element.name] ?? { M: {} };
      target.M[element.name] = child;
      target = child;
    }
    const last = path[path.length - 1];
    if (last?.kind === 'name' && target.M !== undefined) {
      target.M[last.name] = structuredClone(value);
    }
  }
  return result;
}
