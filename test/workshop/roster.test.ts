import { describe, expect, it } from 'vitest';
import { attendeeIdProblem } from '../../workshop/attendee-id.js';
import { parseCsv } from '../../workshop/csv.js';
import { formatOf, parseRoster } from '../../workshop/roster.js';

const csv = (text: string) => parseRoster(text, 'roster.csv', 'csv');
const yaml = (text: string) => parseRoster(text, 'roster.yaml', 'yaml');

describe('CSV roster', () => {
  it('reads quoted fields with commas, doubled quotes and newlines; BOM; CRLF; blank lines', () => {
    const text =
      '\uFEFFid,name,email\r\n\r\nalice,"Dupont, Alice","a@x.org"\r\nbob,"Bob ""the builder""",b@x.org\r\n,,\r\ncarol,"Carol\r\nSecond line",c@x.org\r\n\r\n';
    const { roster, problems } = csv(text);
    expect(problems).toEqual([]);
    expect(roster.columns).toEqual(['id', 'name', 'email']);
    expect(roster.attendees.map((a) => a.id)).toEqual(['alice', 'bob', 'carol']);
    expect(roster.attendees[0]?.fields.name).toBe('Dupont, Alice');
    expect(roster.attendees[1]?.fields.name).toBe('Bob "the builder"');
    expect(roster.attendees[2]?.fields.name).toBe('Carol\r\nSecond line');
    expect(roster.attendees[2]?.where).toBe('roster.csv:6');
  });

  it('maps well-known headers spelled differently and keeps other columns', () => {
    const { roster, problems } = csv('ID,Subscription_Id,team\nalice,00000000-0000-0000-0000-000000000001,red\n');
    expect(problems).toEqual([]);
    expect(roster.columns).toEqual(['id', 'subscriptionId', 'team']);
    expect(roster.attendees[0]?.fields).toEqual({ id: 'alice', subscriptionId: '00000000-0000-0000-0000-000000000001', team: 'red' });
  });

  it('reports every problem at once with its line: duplicates (also by case), bad ids, wrong field counts', () => {
    const { problems } = csv(
      'id,name\nalice,A\nbob,B\nalice,A again\nAlice,A\n../x,X\nwith space,W\n-dash,D\nc,"a",extra\n' + `${'a'.repeat(41)},long\n`,
    );
    expect(problems).toHaveLength(7);
    expect(problems[0]).toMatch(/roster.csv:4: duplicate attendee id "alice", already used at roster.csv:2/);
    expect(problems[1]).toMatch(/roster.csv:5: duplicate .*"Alice".*differ only in case/);
    expect(problems.join('\n')).toMatch(/roster.csv:6: attendee id "..\/x" may contain only/);
    expect(problems.join('\n')).toMatch(/roster.csv:7: attendee id "with space" .*a space/);
    expect(problems.join('\n')).toMatch(/roster.csv:8: .*must not start with "-"/);
    expect(problems.join('\n')).toMatch(/roster.csv:9: 3 fields, but the header has 2/);
    expect(problems.join('\n')).toMatch(/roster.csv:10: .*41 characters; at most 40/);
  });

  it('empty rosters, a header without id, and an unclosed quote are problems', () => {
    expect(csv('').problems).toEqual(['roster.csv: the roster lists no attendees.']);
    expect(csv('\uFEFF\r\n\r\n').problems).toEqual(['roster.csv: the roster lists no attendees.']);
    expect(csv('id,name\n\n').problems).toEqual(['roster.csv: the roster lists no attendees.']);
    expect(csv('name,email\nAlice,a@x\n').problems[0]).toMatch(/roster.csv:1: the header has no "id" column/);
    expect(csv('id,name\nalice,"Alice\n').problems[0]).toMatch(/roster.csv:2: a quoted field is never closed/);
  });

  it('accepts 40-character ids and accented letters; NFD and NFC spellings are one attendee', () => {
    const forty = 'a'.repeat(40);
    const { roster, problems } = csv(`id\n${forty}\nzoé\nzoe\u0301\n`);
    expect(roster.attendees.map((a) => a.id)).toEqual([forty, 'zoé']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/duplicate attendee id "zoé"/);
  });

  it('parseCsv counts lines through quoted newlines', () => {
    const { records } = parseCsv('a\n"x\ny"\nb\n', 'f');
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
  });
});

describe('YAML roster', () => {
  it('reads a list, or a mapping with attendees:, keeping values as text', () => {
    const list = yaml('- id: alice\n  name: Alice\n- id: 007\n  location: westeurope\n');
    expect(list.problems).toEqual([]);
    expect(list.roster.attendees.map((a) => a.fields)).toEqual([
      { id: 'alice', name: 'Alice', location: '' },
      { id: '007', name: '', location: 'westeurope' },
    ]);
    expect(yaml('attendees:\n  - id: bob\n').roster.attendees.map((a) => a.id)).toEqual(['bob']);
  });

  it('reports malformed entries, missing ids and duplicates', () => {
    const { problems } = yaml('- id: alice\n- just-a-string\n- name: no id\n- id: alice\n- id: bob\n  tags: [a, b]\n');
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/roster.yaml:2: each attendee must be a mapping/);
    expect(problems.join('\n')).toMatch(/roster.yaml:3: this attendee has no "id"/);
    expect(problems.join('\n')).toMatch(/roster.yaml:4: duplicate attendee id "alice"/);
    expect(problems.join('\n')).toMatch(/roster.yaml:6: "tags" must be a single value/);
    expect(yaml('').problems).toEqual(['roster.yaml: the roster lists no attendees.']);
    expect(yaml('id: [').problems[0]).toMatch(/roster.yaml:1:\d+: not valid YAML/);
  });

  it('format by extension, else by content', () => {
    expect(formatOf('r.yml', '')).toBe('yaml');
    expect(formatOf('r.txt', '# hosts\n- id: a\n')).toBe('yaml');
    expect(formatOf('r.txt', 'id,name\n')).toBe('csv');
  });
});

describe('attendee ids', () => {
  it.each(['alice', 'Bob_2', 'zoé', 'a'.repeat(40), '007'])('accepts %s', (id) => expect(attendeeIdProblem(id)).toBeUndefined());
  it.each(['', '../x', 'a b', 'a/b', 'a.b', '-x', 'a'.repeat(41), 'tab\there'])('refuses %j', (id) =>
    expect(attendeeIdProblem(id)).toBeDefined(),
  );
});
