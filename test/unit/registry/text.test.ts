import { describe, expect, it } from 'vitest';
import { foldedWords, foldName, sameText } from '../../../shared/registry/text';

describe('name folding for search', () => {
  it('folds "Sông Hàn", "SÔNG HÀN" and "song han" alike', () => {
    expect(foldName('Sông Hàn')).toBe('song han');
    expect(foldName('SÔNG HÀN')).toBe('song han');
    expect(foldName('song han')).toBe('song han');
  });

  it('folds đ and Đ to d', () => {
    expect(foldName('Đặng Đức Đạt')).toBe('dang duc dat');
    expect(foldName('đường')).toBe('duong');
  });

  it('folds decomposed (NFD) input like composed (NFC) input', () => {
    const nfd = 'Nguyễn Văn An'.normalize('NFD');
    expect(nfd).not.toBe('Nguyễn Văn An');
    expect(foldName(nfd)).toBe('nguyen van an');
  });

  it('strips every Vietnamese tone and vowel mark', () => {
    expect(foldName('ắằẳẵặ ấầẩẫậ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự ý ỳ ỷ ỹ ỵ')).toBe(
      'aaaaa aaaaa eeeee ooooo ooooo uuuuu y y y y y',
    );
  });

  it('collapses runs of whitespace and trims', () => {
    expect(foldName('  Hạ \t Long\n Xanh ')).toBe('ha long xanh');
  });

  it('splits into words at punctuation', () => {
    expect(foldedWords('Bà Rịa - Vũng Tàu, (Cty) A&B')).toEqual([
      'ba',
      'ria',
      'vung',
      'tau',
      'cty',
      'a',
      'b',
    ]);
  });
});

describe('name comparison for verification', () => {
  it('ignores case, spacing and Unicode form', () => {
    expect(sameText('Nguyễn Văn An', 'NGUYỄN  VĂN AN ')).toBe(true);
    expect(sameText('Nguyễn Văn An', 'Nguyễn Văn An'.normalize('NFD'))).toBe(true);
  });

  it('keeps diacritics: Nguyen is not Nguyễn, and tones tell names apart', () => {
    expect(sameText('Nguyễn Văn An', 'Nguyen Van An')).toBe(false);
    expect(sameText('Trần Thị Bích', 'Trần Thị Bịch')).toBe(false);
    expect(sameText('Đức', 'Duc')).toBe(false);
  });
});
