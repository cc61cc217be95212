import { foldName } from './text';

/**
 * The 63 provinces and centrally-run cities whose codes open a personal identification number
 * (Decree 137/2015/ND-CP, Circular 07/2016/TT-BCA: the 3-digit code is "0" + the statistics office code).
 * Numbers issued before the 2025 province mergers keep these codes for life, so the list stays as it is.
 *
 * `taxPrefix` is the two-digit prefix the synthetic register gives enterprise codes in the province. The
 * well-known ones (01 Hà Nội, 02 Hải Phòng, 03 Hồ Chí Minh, 04 Đà Nẵng, 57 Quảng Ninh) follow the tax
 * offices; enterprise codes are never checked against it.
 */
export interface Province {
  code: string;
  name: string;
  /** Folded, dash-joined name: the search index's province key (`da-nang`). */
  slug: string;
  region: 'north' | 'central' | 'south';
  taxPrefix: string;
  /** Rough relative size, for the synthetic register's spread of people and firms. */
  weight: number;
}

type Row = [code: string, name: string, region: Province['region'], taxPrefix: string, weight: number];

const rows: Row[] = [
  ['001', 'Hà Nội', 'north', '01', 85],
  ['002', 'Hà Giang', 'north', '51', 9],
  ['004', 'Cao Bằng', 'north', '48', 5],
  ['006', 'Bắc Kạn', 'north', '47', 3],
  ['008', 'Tuyên Quang', 'north', '50', 8],
  ['010', 'Lào Cai', 'north', '53', 7],
  ['011', 'Điện Biên', 'north', '56', 6],
  ['012', 'Lai Châu', 'north', '62', 5],
  ['014', 'Sơn La', 'north', '55', 13],
  ['015', 'Yên Bái', 'north', '52', 8],
  ['017', 'Hòa Bình', 'north', '54', 9],
  ['019', 'Thái Nguyên', 'north', '46', 13],
  ['020', 'Lạng Sơn', 'north', '49', 8],
  ['022', 'Quảng Ninh', 'north', '57', 13],
  ['024', 'Bắc Giang', 'north', '24', 19],
  ['025', 'Phú Thọ', 'north', '26', 15],
  ['026', 'Vĩnh Phúc', 'north', '25', 12],
  ['027', 'Bắc Ninh', 'north', '23', 15],
  ['030', 'Hải Dương', 'north', '08', 19],
  ['031', 'Hải Phòng', 'north', '02', 21],
  ['033', 'Hưng Yên', 'north', '09', 13],
  ['034', 'Thái Bình', 'north', '10', 19],
  ['035', 'Hà Nam', 'north', '07', 9],
  ['036', 'Nam Định', 'north', '06', 18],
  ['037', 'Ninh Bình', 'north', '27', 10],
  ['038', 'Thanh Hóa', 'central', '28', 37],
  ['040', 'Nghệ An', 'central', '29', 34],
  ['042', 'Hà Tĩnh', 'central', '30', 13],
  ['044', 'Quảng Bình', 'central', '31', 9],
  ['045', 'Quảng Trị', 'central', '32', 6],
  ['046', 'Thừa Thiên Huế', 'central', '33', 12],
  ['048', 'Đà Nẵng', 'central', '04', 12],
  ['049', 'Quảng Nam', 'central', '40', 15],
  ['051', 'Quảng Ngãi', 'central', '43', 12],
  ['052', 'Bình Định', 'central', '41', 15],
  ['054', 'Phú Yên', 'central', '44', 9],
  ['056', 'Khánh Hòa', 'central', '42', 12],
  ['058', 'Ninh Thuận', 'central', '45', 6],
  ['060', 'Bình Thuận', 'central', '34', 12],
  ['062', 'Kon Tum', 'central', '61', 6],
  ['064', 'Gia Lai', 'central', '59', 15],
  ['066', 'Đắk Lắk', 'central', '60', 19],
  ['067', 'Đắk Nông', 'central', '64', 7],
  ['068', 'Lâm Đồng', 'central', '58', 13],
  ['070', 'Bình Phước', 'south', '38', 10],
  ['072', 'Tây Ninh', 'south', '39', 12],
  ['074', 'Bình Dương', 'south', '37', 26],
  ['075', 'Đồng Nai', 'south', '36', 31],
  ['077', 'Bà Rịa - Vũng Tàu', 'south', '35', 12],
  ['079', 'Hồ Chí Minh', 'south', '03', 93],
  ['080', 'Long An', 'south', '11', 17],
  ['082', 'Tiền Giang', 'south', '12', 18],
  ['083', 'Bến Tre', 'south', '13', 13],
  ['084', 'Trà Vinh', 'south', '21', 10],
  ['086', 'Vĩnh Long', 'south', '15', 10],
  ['087', 'Đồng Tháp', 'south', '14', 16],
  ['089', 'An Giang', 'south', '16', 19],
  ['091', 'Kiên Giang', 'south', '17', 17],
  ['092', 'Cần Thơ', 'south', '18', 12],
  ['093', 'Hậu Giang', 'south', '63', 7],
  ['094', 'Sóc Trăng', 'south', '22', 12],
  ['095', 'Bạc Liêu', 'south', '19', 9],
  ['096', 'Cà Mau', 'south', '20', 12],
];

const slugOf = (name: string) => foldName(name).replace(/[^a-z0-9]+/g, '-');

export const PROVINCES: readonly Province[] = rows.map(([code, name, region, taxPrefix, weight]) => ({
  code,
  name,
  slug: slugOf(name),
  region,
  taxPrefix,
  weight,
}));

const byCode = new Map(PROVINCES.map((p) => [p.code, p]));

const aliases: Record<string, string> = {
  hcm: '079',
  tphcm: '079',
  'sai-gon': '079',
  hn: '001',
  hue: '046',
  'vung-tau': '077',
};
const bySlug = new Map<string, Province>(PROVINCES.map((p) => [p.slug, p]));
for (const [alias, code] of Object.entries(aliases)) bySlug.set(alias, byCode.get(code)!);

export function provinceByCode(code: string): Province | undefined {
  return byCode.get(code);
}

/**
 * Finds a province from what a person would type: its name with or without diacritics and with or
 * without "Tỉnh" / "Thành phố" / "TP.", a common short form (HCM), or its 3-digit code.
 */
export function findProvince(input: string): Province | undefined {
  const trimmed = input.trim();
  if (/^\d{2,3}$/.test(trimmed)) return byCode.get(trimmed.padStart(3, '0'));
  const slug = slugOf(trimmed)
    .replace(/^-+|-+$/g, '')
    .replace(/^(tinh|thanh-pho|tp)-/, '');
  return bySlug.get(slug);
}
