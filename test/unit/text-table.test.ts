/** The terminal tables of `npm run messages`, `npm run report` and `npm run demo`. */
import { textTable } from '../../local/text-table';

it('pads every column to its widest cell, left or right, two spaces apart, with no trailing blanks', () => {
  const lines = textTable(
    [{ title: 'status' }, { title: 'n', align: 'right' }, { title: 'note' }],
    [
      ['delivered', '1234', ''],
      ['failed', '7', 'carrier'],
    ],
  );
  expect(lines).toEqual(['status        n  note', 'delivered  1234', 'failed        7  carrier']);
});

it('draws a rule of dashes under the header when asked', () => {
  expect(
    textTable([{ title: 'key' }, { title: 'count', align: 'right' }], [['a', '123456']], { rule: true }),
  ).toEqual(['key   count', '---  ------', 'a    123456']);
});

it('is only the header when there are no rows', () => {
  expect(textTable([{ title: 'SID' }, { title: 'STATUS' }], [])).toEqual(['SID  STATUS']);
});
