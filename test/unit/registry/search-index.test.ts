import { describe, expect, it } from 'vitest';
import { UnsearchableQueryError } from '../../../shared/registry/errors';
import { demoBusinesses } from '../../../shared/registry/model';
import {
  businessIndexItems,
  distinctiveWords,
  itemMatches,
  planSearch,
  resumeKey,
  searchCursor,
} from '../../../shared/registry/search-index';
import { InvalidCursorError } from '../../../shared/storage/cursor';

const songHan = demoBusinesses[0]!;

describe('business name index', () => {
  it('indexes a name by its words without diacritics or the legal form', () => {
    expect(distinctiveWords('Công ty Cổ phần Công nghệ Sông Hàn')).toEqual(['cong', 'nghe', 'song', 'han']);
    expect(distinctiveWords('Công ty TNHH Du lịch Hạ Long Xanh')).toEqual([
      'du',
      'lich',
      'ha',
      'long',
      'xanh',
    ]);
    expect(distinctiveWords('CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN Đông Á')).toEqual(['dong', 'a']);
    expect(distinctiveWords('Chi nhánh Công ty TNHH Minh Phát tại Đà Nẵng')).toEqual([
      'minh',
      'phat',
      'tai',
      'da',
      'nang',
    ]);
    expect(distinctiveWords('Doanh nghiệp tư nhân Thương mại và Dịch vụ An An')).toEqual([
      'thuong',
      'mai',
      'dich',
      'vu',
      'an',
    ]);
  });

  it('writes one item per distinctive word, each carrying the whole record', () => {
    const items = businessIndexItems(songHan);
    expect(items.map((i) => i.pk)).toEqual(['BIZWORD#cong', 'BIZWORD#nghe', 'BIZWORD#song', 'BIZWORD#han']);
    for (const item of items) {
      expect(item.sk).toBe('da-nang#cong nghe song han#0401234567');
      expect(item).toMatchObject(songHan);
    }
  });
});

describe('search planning', () => {
  it('plans the same search for "song han", "SÔNG HÀN" and "Công ty cổ phần Sông Hàn"', () => {
    const plans = ['song han', 'SÔNG HÀN', 'Công ty cổ phần Sông Hàn'].map((q) => planSearch(q));
    expect(new Set(plans.map((p) => p.fingerprint)).size).toBe(1);
    expect(plans[0]).toMatchObject({ word: 'song', words: ['song', 'han'] });
  });

  it('reads the partition of the least common word, preferring longer words', () => {
    expect(planSearch('thương mại Hoàng Long').word).toBe('hoang');
    expect(planSearch('Xây dựng An').word).toBe('an');
    expect(planSearch('thương mại').word).toBe('thuong');
  });

  it('narrows to a province by its sort-key prefix, whatever way the province is written', () => {
    expect(planSearch('song han', 'Đà Nẵng').skPrefix).toBe('da-nang#');
    expect(planSearch('song han', 'da nang').skPrefix).toBe('da-nang#');
    expect(planSearch('song han', '048').skPrefix).toBe('da-nang#');
  });

  it('refuses a search by legal form alone, or in an unknown province, as a 400', () => {
    expect(() => planSearch('Công ty TNHH')).toThrow(UnsearchableQueryError);
    expect(() => planSearch('  - ')).toThrow(UnsearchableQueryError);
    expect(() => planSearch('song han', 'Atlantis')).toThrow(UnsearchableQueryError);
    const error = (() => {
      try {
        planSearch('Công ty cổ phần');
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toMatchObject({ status: 400, message: expect.stringContaining('legal form') });
  });

  it('keeps only names having every word of the search', () => {
    const plan = planSearch('han song');
    expect(itemMatches('da-nang#cong nghe song han#0401234567', plan)).toBe(true);
    expect(itemMatches('da-nang#song da#0401234568', plan)).toBe(false);
    expect(itemMatches('da-nang#song hanh#0401234569', plan)).toBe(false);
  });
});

describe('search cursor', () => {
  it('resumes the search that issued it', () => {
    const plan = planSearch('song han', 'Đà Nẵng');
    const cursor = searchCursor(plan, 'da-nang#song han#0401234567');
    expect(resumeKey(plan, cursor)).toEqual({ pk: 'BIZWORD#song', sk: 'da-nang#song han#0401234567' });
    expect(resumeKey(plan, undefined)).toBeUndefined();
    expect(resumeKey(plan, '')).toBeUndefined();
  });

  it('is refused by another search, and when it is not one of ours', () => {
    const cursor = searchCursor(planSearch('song han'), 'da-nang#song han#0401234567');
    const refusedForThisSearch = (resume: () => unknown) => {
      expect(resume).toThrow(InvalidCursorError);
      expect(resume).toThrow('The cursor is not one this gateway issued for this search');
    };
    refusedForThisSearch(() => resumeKey(planSearch('ha long'), cursor));
    refusedForThisSearch(() => resumeKey(planSearch('song han', 'Hà Nội'), cursor));
    refusedForThisSearch(() => resumeKey(planSearch('song han'), 'not-a-cursor'));
    refusedForThisSearch(() => resumeKey(planSearch('song han'), Buffer.from('[1]').toString('base64url')));
  });
});
