import { type Business, type Citizen, demoBusinesses, demoCitizens } from './model';
import { PROVINCES, type Province } from './provinces';
import { centuryGenderDigit } from './rules';

/**
 * The synthetic registers: deterministic from a seed, record by record. Record n depends only on the seed
 * and n, so a register of 10 000 is the first 10 000 records of a register of 200 000, and re-seeding with a
 * larger size only adds. The documented demo records always come first and are never generated again.
 */
export const DEFAULT_SEED = 'ndg-137-2015';

/** The year ages are counted from: fixed, so the same seed gives the same register on any day. */
const REFERENCE_YEAR = 2025;

/** Citizens whose ids are guaranteed distinct (the serial is a bijection of the record number). */
export const MAX_GENERATED_CITIZENS = 1_000_000;
export const MAX_GENERATED_BUSINESSES = 10_000_000;

/** mulberry32: a tiny, fast PRNG with a 32-bit state; plenty for synthetic data (not for secrets). */
export function mulberry32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of the parts: the PRNG seed of one record. */
function recordSeed(...parts: (string | number)[]): number {
  let hash = 0x811c9dc5;
  const text = parts.join(':');
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

class Dice {
  constructor(readonly next: () => number) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(table: WeightTable<T>): T {
    const target = this.next() * table.total;
    let low = 0;
    let high = table.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (table.cumulative[mid]! > target) high = mid;
      else low = mid + 1;
    }
    return table.items[low]!;
  }
}

interface WeightTable<T> {
  items: T[];
  cumulative: number[];
  total: number;
}

function weights<T>(entries: [T, number][]): WeightTable<T> {
  let total = 0;
  const cumulative = entries.map(([, w]) => {
    total += w;
    return total;
  });
  return { items: entries.map(([item]) => item), cumulative, total };
}

const list = (text: string) => text.split(', ');

// Family names by share of the population (roughly); the south says Huỳnh and Võ where the north says
// Hoàng and Vũ.
const familyNames = weights<string>([
  ['Nguyễn', 380],
  ['Trần', 110],
  ['Lê', 95],
  ['Phạm', 70],
  ['Hoàng', 51],
  ['Phan', 45],
  ['Vũ', 39],
  ['Đặng', 21],
  ['Bùi', 20],
  ['Đỗ', 14],
  ['Hồ', 13],
  ['Ngô', 13],
  ['Dương', 10],
  ['Lý', 5],
  ['Đinh', 6],
  ['Trương', 6],
  ['Lương', 4],
  ['Mai', 4],
  ['Cao', 3],
  ['Tạ', 2],
]);
const southernForm: Record<string, string> = { Hoàng: 'Huỳnh', Vũ: 'Võ' };

const middleNames = {
  male: list(
    'Văn, Văn, Văn, Đức, Minh, Quang, Hữu, Thành, Công, Xuân, Ngọc, Hoàng, Anh, Gia, Trọng, Thanh, Tiến, Duy',
  ),
  female: list(
    'Thị, Thị, Thị, Ngọc, Thu, Thanh, Minh, Phương, Hồng, Kim, Mai, Bảo, Thùy, Khánh, Diệu, Quỳnh',
  ),
};

const givenNames = {
  male: list(
    'An, Bình, Cường, Dũng, Đạt, Đức, Hải, Hiếu, Hoàng, Hùng, Huy, Khang, Khoa, Long, Minh, Nam, ' +
      'Nghĩa, Phong, Phúc, Quân, Quang, Sơn, Tài, Thắng, Thành, Tiến, Toàn, Trung, Tuấn, Việt, Vinh, ' +
      'Bảo, Khải, Lâm, Hưng, Thịnh, Kiên, Lộc',
  ),
  female: list(
    'Anh, Bích, Chi, Dung, Giang, Hà, Hạnh, Hằng, Hoa, Hương, Huyền, Lan, Linh, Loan, Mai, My, Nga, ' +
      'Ngân, Ngọc, Nhung, Oanh, Phương, Quỳnh, Thảo, Thu, Thủy, Trang, Trinh, Tuyết, Uyên, Vân, Yến, ' +
      'Hiền, Nhi, Tâm, Diệp, Xuân, Châu',
  ),
};

const streets = list(
  'Trần Hưng Đạo, Lê Lợi, Nguyễn Huệ, Hai Bà Trưng, Lý Thường Kiệt, Quang Trung, Nguyễn Trãi, ' +
    'Lê Duẩn, Hùng Vương, Phan Chu Trinh, Điện Biên Phủ, Bạch Đằng, Trần Phú, Nguyễn Văn Cừ, ' +
    'Hoàng Văn Thụ, Lê Thánh Tông, Phan Đình Phùng, Nguyễn Du, Ngô Quyền, Lạc Long Quân, ' +
    'Nguyễn Thị Minh Khai, Võ Thị Sáu, Cách Mạng Tháng Tám, Lê Hồng Phong, Trường Chinh, ' +
    'Nguyễn Chí Thanh, Phạm Văn Đồng, Tôn Đức Thắng, Chu Văn An, Lý Thái Tổ',
);

const wards = list(
  'Tân Lập, Hòa Bình, Quang Trung, Đông Hưng, Yên Phú, Thanh Xuân, Phú Lộc, Tân Phú, An Hòa, ' +
    'Bình An, Hưng Đạo, Đồng Tâm, Nghĩa Tân, Cẩm Thành, Vĩnh Lộc, Minh Khai, Trung Tâm, Tân Tiến, ' +
    'Phước Long, Thắng Lợi, Đoàn Kết, Hòa Khánh, Long Thạnh, Phú Hòa',
);

const communes = list(
  'Tân Lập, Hòa Bình, Đông Hưng, Yên Phú, Phú Lộc, An Hòa, Bình An, Đồng Tâm, Nghĩa Hưng, ' +
    'Vĩnh Lộc, Phước Hòa, Thạnh Phú, Xuân Sơn, Hưng Thịnh, Quảng Phú, Tam Hiệp, Kim Sơn, Thanh Lâm, ' +
    'Mỹ Hòa, Long Hưng',
);

const provincesByPopulation = weights(PROVINCES.map((p): [Province, number] => [p, p.weight]));
// Firms cluster in the big cities far more than people do.
const provincesByFirms = weights(
  PROVINCES.map((p): [Province, number] => [p, ['001', '079'].includes(p.code) ? p.weight * 6 : p.weight]),
);

function personName(dice: Dice, gender: 'male' | 'female', province: Province): string {
  let family = dice.weighted(familyNames);
  const southern = southernForm[family];
  if (southern && province.region === 'south' && dice.chance(0.7)) family = southern;
  return `${family} ${dice.pick(middleNames[gender])} ${dice.pick(givenNames[gender])}`;
}

function urbanAddress(dice: Dice, province: Province): string {
  return `Số ${dice.int(1, 350)} đường ${dice.pick(streets)}, phường ${dice.pick(wards)}, ${province.name}`;
}

function address(dice: Dice, province: Province): string {
  return dice.chance(0.6)
    ? urbanAddress(dice, province)
    : `Thôn ${dice.int(1, 12)}, xã ${dice.pick(communes)}, ${province.name}`;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function date(dice: Dice, year: number): string {
  const month = dice.int(1, 12);
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${pad(month, 2)}-${pad(dice.int(1, days), 2)}`;
}

/** The n-th generated citizen (before demo ids are skipped). */
export function generateCitizen(n: number, seed: string = DEFAULT_SEED): Citizen {
  const dice = new Dice(mulberry32(recordSeed(seed, 'citizen', n)));
  const province = dice.weighted(provincesByPopulation);
  const gender = dice.chance(0.5) ? 'male' : 'female';
  const age = dice.chance(0.7) ? dice.int(18, 64) : dice.int(0, 95);
  const birthYear = REFERENCE_YEAR - age;
  // A bijection of n onto 0..999 999 (the multiplier is prime to 10^6): distinct serials, random-looking.
  const serial = (((n % MAX_GENERATED_CITIZENS) * 738_131 + 271_829) % MAX_GENERATED_CITIZENS) | 0;
  const origin = dice.chance(0.75) ? province : dice.weighted(provincesByPopulation);
  const deceased = age >= 70 ? dice.chance(0.2) : dice.chance(0.005);
  return {
    nationalId: `${province.code}${centuryGenderDigit(birthYear, gender)}${pad(birthYear % 100, 2)}${pad(serial, 6)}`,
    fullName: personName(dice, gender, province),
    dateOfBirth: date(dice, birthYear),
    gender,
    nationality: 'Việt Nam',
    placeOfOrigin: `Xã ${dice.pick(communes)}, ${origin.name}`,
    permanentAddress: address(dice, province),
    province: province.name,
    status: deceased ? 'deceased' : 'living',
  };
}

/** The demo citizens, then `count` generated ones. */
export function* syntheticCitizens(count: number, seed: string = DEFAULT_SEED): Generator<Citizen> {
  if (count > MAX_GENERATED_CITIZENS) throw new RangeError(`at most ${MAX_GENERATED_CITIZENS} citizens`);
  yield* demoCitizens;
  const demoIds = new Set(demoCitizens.map((c) => c.nationalId));
  for (let n = 0, produced = 0; produced < count; n++) {
    const citizen = generateCitizen(n, seed);
    if (demoIds.has(citizen.nationalId)) continue;
    yield citizen;
    produced++;
  }
}

interface LegalForm {
  prefix: string;
  legalForm: string;
  weight: number;
}

const legalForms = weights<LegalForm>(
  (
    [
      ['Công ty TNHH', 'Công ty trách nhiệm hữu hạn', 50],
      ['Công ty TNHH Một thành viên', 'Công ty trách nhiệm hữu hạn một thành viên', 15],
      ['Công ty Cổ phần', 'Công ty cổ phần', 24],
      ['Doanh nghiệp tư nhân', 'Doanh nghiệp tư nhân', 9],
      ['Công ty Hợp danh', 'Công ty hợp danh', 2],
    ] as const
  ).map(([prefix, legalForm, weight]): [LegalForm, number] => [{ prefix, legalForm, weight }, weight]),
);

/** Trades, with VSIC 2018 industry codes that fit them. */
const trades: [label: string, codes: string[]][] = [
  ['Thương mại', ['4690', '4649']],
  ['Thương mại và Dịch vụ', ['4690', '8299']],
  ['Thương mại Dịch vụ Tổng hợp', ['4690', '4719']],
  ['Xây dựng', ['4100', '4290']],
  ['Xây dựng và Thương mại', ['4100', '4663']],
  ['Công nghệ', ['6201', '6202']],
  ['Phần mềm', ['6201', '6209']],
  ['Du lịch', ['7911', '7912']],
  ['Vận tải', ['4933', '5229']],
  ['Logistics', ['5229', '5210']],
  ['Thực phẩm', ['1079', '4632']],
  ['Nông sản', ['4620', '0150']],
  ['Thủy sản', ['0322', '1020']],
  ['Dệt may', ['1410', '1312']],
  ['Cơ khí', ['2592', '3312']],
  ['Điện', ['3511', '4321']],
  ['Nội thất', ['3100', '4649']],
  ['Bất động sản', ['6810', '6820']],
  ['Tư vấn', ['7020', '7110']],
  ['Giáo dục', ['8559', '8560']],
  ['Dược phẩm', ['2100', '4772']],
  ['Vật liệu Xây dựng', ['2395', '4663']],
  ['In ấn', ['1811', '1812']],
  ['Quảng cáo', ['7310', '7320']],
  ['Môi trường', ['3811', '3821']],
  ['Cà phê', ['1077', '5630']],
  ['Nhà hàng', ['5610', '5621']],
  ['Khách sạn', ['5510', '5590']],
  ['Xuất nhập khẩu', ['4690', '4610']],
  ['Đầu tư', ['6619', '7020']],
  ['Năng lượng', ['3511', '3512']],
  ['Kỹ thuật', ['7110', '3320']],
  ['Điện tử', ['2610', '4652']],
  ['Gỗ', ['1621', '1610']],
  ['Nhựa', ['2220', '2013']],
];

// Names are built from these, two at a time: auspicious words and place words.
const nameWords = list(
  'An, Bình, Phú, Thịnh, Phát, Hưng, Thành, Minh, Long, Hoàng, Gia, Đại, Tân, Việt, Hải, Sơn, Hà, ' +
    'Thái, Quang, Đức, Trung, Tín, Nghĩa, Hòa, Lộc, Tài, Kim, Ngọc, Bảo, Khang, Thiên, Vạn, Đông, ' +
    'Tây, Bắc, Á, Âu, Sao, Mai, Lan, Hồng, Xanh, Vàng, Phương, Trường, Hùng, Cường, Huy, Tiến, ' +
    'Toàn, Thắng, Lợi, Vinh, Quốc, Hoa, Sen, Nhật, Tinh, Anh, Tuấn, Khôi, Nguyên, Hiệp, Thuận, ' +
    'Châu, Đạt, Mekong, Cửu Long, Tây Nguyên, Sài Gòn, Hà Thành, Hồng Lam, Trường Sơn, Đất Việt',
);

const businessStatuses = weights<Business['status']>([
  ['active', 88],
  ['suspended', 7],
  ['dissolved', 5],
]);

/** The n-th generated enterprise (head office), and its branch if it has one. */
export function generateEnterprise(n: number, seed: string = DEFAULT_SEED): Business[] {
  const dice = new Dice(mulberry32(recordSeed(seed, 'business', n)));
  const province = dice.weighted(provincesByFirms);
  const form = dice.weighted(legalForms);
  const [trade, industryCodes] = dice.pick(trades);
  const first = dice.pick(nameWords);
  let second = dice.pick(nameWords);
  while (second === first) second = dice.pick(nameWords);
  const distinctive = `${first} ${second}`;
  const name = dice.chance(0.85) ? `${form.prefix} ${trade} ${distinctive}` : `${form.prefix} ${distinctive}`;
  const serial = ((n % 100_000_000) * 48_271_043 + 13_579_113) % 100_000_000;
  const enterpriseCode = `${province.taxPrefix}${pad(serial, 8)}`;
  const established = dice.int(1995, REFERENCE_YEAR - 1);
  const repGender = dice.chance(0.6) ? 'male' : 'female';
  const capital = Math.max(1, Math.round(10 ** (8 + dice.next() * 3.7) / 100_000_000)) * 100_000_000;
  const status = dice.weighted(businessStatuses);
  const headOffice: Business = {
    enterpriseCode,
    name,
    legalForm: form.legalForm,
    status,
    registeredAddress: urbanAddress(dice, province),
    province: province.name,
    legalRepresentative: personName(dice, repGender, province),
    charterCapitalVnd: capital,
    establishedDate: date(dice, established),
    industryCodes: [...new Set(dice.chance(0.3) ? [...industryCodes, '8299'] : industryCodes)],
  };
  if (!dice.chance(0.06)) return [headOffice];
  const branchProvince = dice.weighted(provincesByFirms);
  const branchGender = dice.chance(0.5) ? 'male' : 'female';
  return [
    headOffice,
    {
      enterpriseCode: `${enterpriseCode}-001`,
      name: `Chi nhánh ${name} tại ${branchProvince.name}`,
      legalForm: 'Chi nhánh',
      status,
      registeredAddress: urbanAddress(dice, branchProvince),
      province: branchProvince.name,
      legalRepresentative: personName(dice, branchGender, branchProvince),
      // A branch has no charter capital of its own.
      charterCapitalVnd: 0,
      establishedDate: date(dice, dice.int(established, REFERENCE_YEAR - 1)),
      industryCodes: [...industryCodes],
    },
  ];
}

/** The demo businesses, then `count` generated ones (head offices and the occasional branch). */
export function* syntheticBusinesses(count: number, seed: string = DEFAULT_SEED): Generator<Business> {
  if (count > MAX_GENERATED_BUSINESSES)
    throw new RangeError(`at most ${MAX_GENERATED_BUSINESSES} businesses`);
  yield* demoBusinesses;
  const demoCodes = new Set(demoBusinesses.map((b) => b.enterpriseCode.slice(0, 10)));
  let produced = 0;
  for (let n = 0; produced < count; n++) {
    for (const business of generateEnterprise(n, seed)) {
      if (produced === count) return;
      if (demoCodes.has(business.enterpriseCode.slice(0, 10))) break;
      yield business;
      produced++;
    }
  }
}
