/**
 * Unit: start lists from CSV (lib/entries/csv.ts, lib/entries/start-list.ts): the column names timing and
 * registration software export, delimiters and quoting as spreadsheets write them, and an error per bad row
 * that says what to fix, with duplicates of bibs and chips caught across rows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CsvError, guessDelimiter, readCsv } from '../lib/entries/csv';
import { checkRow, goodEntries, mapColumns, markDuplicates, readStartList, rowProblems } from '../lib/entries/start-list';

const YEAR = 2026;
const LIMITS = { maxRecords: 1000, maxField: 200 };

describe('CSV reading', () => {
  test('quoted fields keep delimiters, doubled quotes and line breaks; CRLF, LF and CR all end lines', () => {
    const text = '\uFEFFbib,name,club\r\n1,"Doe, Jane","The ""Harriers"""\n2,"Two\nLines",X\r3,Plain,\n';
    const records = readCsv(text, LIMITS);
    assert.deepEqual(
      records.map((r) => r.fields),
      [
        ['bib', 'name', 'club'],
        ['1', 'Doe, Jane', 'The "Harriers"'],
        ['2', 'Two\nLines', 'X'],
        ['3', 'Plain', ''],
      ],
    );
    assert.deepEqual(
      records.map((r) => r.line),
      [1, 2, 3, 5],
      'a record names the line it starts on, counting the line break inside quotes',
    );
  });

  test('the delimiter is guessed from the header line: semicolons (German exports) and tabs too', () => {
    assert.equal(guessDelimiter('Startnummer;Vorname;Nachname\n1;A;B'), ';');
    assert.equal(guessDelimiter('Bib\tFirst Name\tLast Name'), '\t');
    assert.equal(guessDelimiter('"a;b",c,d'), ',', 'delimiters inside quotes do not count');
    assert.deepEqual(readCsv('a;b\n1;"x;y"', LIMITS)[1]!.fields, ['1', 'x;y']);
  });

  test('blank lines are skipped; an unclosed quote names the line it opened on', () => {
    assert.equal(readCsv('a,b\n\n1,2\n  \n', LIMITS).length, 2);
    assert.throws(
      () => readCsv('a,b\n1,2\n3,"open\n4,5\n', LIMITS),
      (err: unknown) => err instanceof CsvError && err.line === 3 && /never closed/.test(err.message),
    );
  });

  test('too many rows or too long a field stop the reading with a clear error', () => {
    assert.throws(() => readCsv('a\n1\n2\n3\n', { maxRecords: 3, maxField: 10 }), /more than 2 rows/);
    assert.throws(() => readCsv(`a\n${'x'.repeat(11)}\n`, { maxRecords: 10, maxField: 10 }), /line 2 is longer than 10 characters/);
  });
});

describe('column names', () => {
  test('RACE RESULT exports are recognised, in English and German', () => {
    const rr = mapColumns(['Bib', 'FirstName', 'LastName', 'Sex', 'YearOfBirth', 'AgeGroup1.Name', 'Contest', 'Club', 'Transponder1', 'Nation']);
    assert.deepEqual(rr.columns, { bib: 0, firstName: 1, lastName: 2, sex: 3, birthYear: 4, ageGroup: 5, category: 6, club: 7, chip: 8 });
    assert.deepEqual(rr.ignored, ['Nation']);
    const de = mapColumns(['Startnummer', 'Vorname', 'Nachname', 'Geschlecht', 'Jahrgang', 'Altersklasse', 'Wettbewerb', 'Verein', 'Transponder', 'Startgruppe']);
    assert.deepEqual(de.columns, { bib: 0, firstName: 1, lastName: 2, sex: 3, birthYear: 4, ageGroup: 5, category: 6, club: 7, chip: 8, wave: 9 });
  });

  test('other timers and registration sites: ChronoTrack, RunSignup, Wiclax (French), Webscorer', () => {
    assert.deepEqual(mapColumns(['Bib', 'First Name', 'Last Name', 'Gender', 'Division', 'Team', 'Tag']).columns, {
      bib: 0,
      firstName: 1,
      lastName: 2,
      sex: 3,
      ageGroup: 4,
      club: 5,
      chip: 6,
    });
    assert.deepEqual(mapColumns(['Bib Number', 'First Name', 'Last Name', 'DOB', 'Event', 'Team Name', 'Chip Number']).columns, {
      bib: 0,
      firstName: 1,
      lastName: 2,
      birthYear: 3,
      category: 4,
      club: 5,
      chip: 6,
    });
    assert.deepEqual(mapColumns(['Dossard', 'Nom', 'Prénom', 'Sexe', 'Année', 'Épreuve', 'Puce']).columns, {
      bib: 0,
      lastName: 1,
      firstName: 2,
      sex: 3,
      birthYear: 4,
      category: 5,
      chip: 6,
    });
    assert.deepEqual(mapColumns(['BIB', 'NAME', 'CATEGORY', 'CHIP ID', 'WAVE']).columns, { bib: 0, name: 1, category: 2, chip: 3, wave: 4 });
  });

  test('a file without a bib or a name column says so, naming the columns it has', () => {
    const noBib = readStartList('Name,Club\nAda,X\n', YEAR);
    assert.match(noBib.problem!, /No bib column.*“Name”, “Club”/);
    assert.match(readStartList('Bib,Club\n1,X\n', YEAR).problem!, /No name column/);
    assert.match(readStartList('', YEAR).problem!, /empty/);
  });
});

describe('rows', () => {
  const file = [
    'Bib;FirstName;LastName;Sex;DateOfBirth;AgeGroup1.Name;Contest;Club;Transponder1',
    '101;Ada;Lovelace;W;10.12.1985;W40;Half marathon;Analytical AC;KX101',
    '102;Alan;Turing;M;1992;M30;Half marathon;;KX102',
    '103;Grace;Hopper;female;1976-12-09;W50;10 km;Navy RC;',
    '104;Kim;Doe;D;2001;;10 km;;KX104',
  ].join('\n');

  test('good rows become entries: sex in any language, a year from a date of birth, empty fields as none', () => {
    const list = readStartList(file, YEAR);
    assert.equal(list.problem, null);
    const entries = goodEntries(list.rows)!;
    assert.equal(entries.length, 4);
    assert.deepEqual(entries[0], {
      bib: '101',
      firstName: 'Ada',
      lastName: 'Lovelace',
      sex: 'F',
      birthYear: 1985,
      ageGroup: 'W40',
      category: 'Half marathon',
      club: 'Analytical AC',
      wave: null,
      chip: 'KX101',
    });
    assert.equal(entries[1]!.club, null);
    assert.equal(entries[2]!.sex, 'F');
    assert.equal(entries[2]!.birthYear, 1976);
    assert.equal(entries[2]!.chip, null);
    assert.equal(entries[3]!.sex, 'X', 'German "divers"');
  });

  test('a bad row gets its own errors and line; the others stay good and the list is not saved until it is fixed', () => {
    const bad = [
      'Bib,Name,Gender,Year,Chip',
      '1,Ada Lovelace,F,1985,C1',
      ',No Bib,F,1990,C2',
      '3,Bad Sex,Q,1990,C3',
      '4,Old,M,1850,C4',
      '5,,M,1990,C5',
      '6,Too Long A Name For Any Bib In The Whole Wide World,M,1990,C6',
      '7,Chip,M,1990,bad chip!',
      'toolongbib,Ada,F,1990,C8',
    ].join('\n');
    const list = readStartList(bad, YEAR);
    const problems = Object.fromEntries(list.rows.map((r) => [r.line, rowProblems(r)]));
    assert.deepEqual(problems[2], []);
    assert.deepEqual(problems[3], ['the bib is empty']);
    assert.match(problems[4]!.join(), /sex “Q” is not F, M or X/);
    assert.match(problems[5]!.join(), /birth year 1850 is not between 1900 and 2026/);
    assert.match(problems[6]!.join(), /a name is needed/);
    assert.match(problems[7]!.join(), /at most 40 characters/);
    assert.match(problems[8]!.join(), /chip: 1 to 32 letters/);
    assert.match(problems[9]!.join(), /bib: 1 to 8 letters/);
    assert.equal(goodEntries(list.rows), null);

    // The organiser fixes line 3 in the preview: the row is checked again on its own.
    const fixed = checkRow(3, { ...list.rows[1]!.values, bib: '2' }, YEAR);
    assert.deepEqual(fixed.errors, []);
    assert.equal(fixed.entry!.lastName, 'No Bib', 'a single name column goes whole into the last name');
  });

  test('a bib or chip used twice is an error on the later row, naming the first; fixing it clears it', () => {
    const list = readStartList('Bib,Name,Chip\n1,A,X1\n01,B,X2\n3,C,x1\n4,D,X4\n', YEAR);
    assert.deepEqual(
      list.rows.map((r) => r.duplicate),
      [null, 'bib 01 is on line 2 already: give each runner their own', 'chip x1 is on line 2 already: give each runner their own', null],
    );
    const rows = list.rows.slice();
    rows[1] = checkRow(3, { ...rows[1]!.values, bib: '2' }, YEAR);
    rows[2] = checkRow(4, { ...rows[2]!.values, chip: 'X3' }, YEAR);
    const again = markDuplicates(rows);
    assert.deepEqual(again.map((r) => r.duplicate), [null, null, null, null]);
    assert.equal(goodEntries(again)!.length, 4);
  });
});
