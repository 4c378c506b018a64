import { parseCandlesCsv } from './csv-candles.util';

describe('parseCandlesCsv', () => {
  const header = 'date,open,high,low,close,volume,Name';

  it('parses rows into candles at midnight UTC, keeping the symbol', () => {
    // Arrange
    const text = `${header}\n2013-02-08,67.7142,68.4014,66.8928,67.8542,158168416,AAPL\n2013-02-11,68.0714,69.2771,67.6071,68.5614,129029425,AAPL\n`;
    // Act
    const parsed = parseCandlesCsv(text);
    // Assert
    expect(parsed.symbol).toBe('AAPL');
    expect(parsed.rejected).toEqual([]);
    expect(parsed.candles).toEqual([
      { t: Date.UTC(2013, 1, 8), o: 67.7142, h: 68.4014, l: 66.8928, c: 67.8542, v: 158168416 },
      { t: Date.UTC(2013, 1, 11), o: 68.0714, h: 69.2771, l: 67.6071, c: 68.5614, v: 129029425 },
    ]);
  });

  it('rejects rows with empty fields, non-numbers and bad dates with a message naming line and field', () => {
    const text = [
      header,
      '2015-06-08,520.0,530.0,515.0,526.09,1000,REGN',
      '2015-06-09,,,,526.09,12135,REGN',
      '2015-06-10,1,2,0.5,abc,10,REGN',
      'yesterday,1,2,0.5,1.5,10,REGN',
      '',
      '2015-06-11,1,2,0.5,1.5,10,REGN',
    ].join('\r\n');
    const parsed = parseCandlesCsv(text);
    expect(parsed.candles).toHaveLength(2);
    expect(parsed.rejected).toEqual([
      { line: 3, reason: 'line 3: empty field(s) open, high, low' },
      { line: 4, reason: "line 4: close 'abc' is not a finite number" },
      { line: 5, reason: "line 5: date 'yesterday' is not a date" },
    ]);
  });

  it('reads columns by header name, in any order, without a symbol column', () => {
    const parsed = parseCandlesCsv('close,volume,date,low,high,open\n10,5,2020-01-02,9,11,9.5\n');
    expect(parsed.symbol).toBeNull();
    expect(parsed.candles).toEqual([{ t: Date.UTC(2020, 0, 2), o: 9.5, h: 11, l: 9, c: 10, v: 5 }]);
  });

  it('throws when a required column is missing', () => {
    expect(() => parseCandlesCsv('date,open,high,low,close\n')).toThrow('missing: volume');
  });
});
