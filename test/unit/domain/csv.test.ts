/** The list API's CSV: what a spreadsheet opening the file shows, never a formula it runs. */
import { csvCell, messagesToCsv } from '../../../lambda/domain/csv';
import { toMessageRecord } from '../../../lambda/domain/message';

describe('CSV cells', () => {
  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+15551234567', "'+15551234567"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', `"'\rcmd"`],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['plain', 'plain'],
    ['whatsapp:+1555', 'whatsapp:+1555'],
  ])('%j is written %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('leaves absent values empty and writes numbers and booleans as text', () => {
    expect([csvCell(undefined), csvCell(null), csvCell(30003), csvCell(false)]).toEqual([
      '',
      '',
      '30003',
      'false',
    ]);
  });
});

describe('a CSV file of messages', () => {
  const record = toMessageRecord({
    messageSid: 'SM' + '1'.repeat(32),
    status: 'undelivered',
    statusRank: 5,
    final: true,
    createdAt: '2026-11-30T10:00:00.000Z',
    to: '+15551234567',
    errorCode: 30003,
    tag_tenant: '=cmd',
  });

  it('has the documented header, CRLF line ends, no BOM, and tags as JSON', () => {
    const csv = messagesToCsv([record]);
    expect(csv.charCodeAt(0)).not.toBe(0xfeff);
    expect(csv.split('\r\n')).toEqual([
      'messageSid,status,final,createdAt,updatedAt,to,from,errorCode,errorMessage,clientReference,accountSid,messagingServiceSid,tags',
      `SM${'1'.repeat(32)},undelivered,true,2026-11-30T10:00:00.000Z,,'+15551234567,,30003,"Unreachable destination handset (off, out of coverage or unable to receive)",,,,"{""tenant"":""=cmd""}"`,
      '',
    ]);
  });

  it('is only a header for no messages', () => {
    expect(messagesToCsv([])).toBe(
      'messageSid,status,final,createdAt,updatedAt,to,from,errorCode,errorMessage,clientReference,accountSid,messagingServiceSid,tags\r\n',
    );
  });
});
