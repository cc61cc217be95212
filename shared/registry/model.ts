/** A person in the population register (synthetic in every environment this repository runs). */
export interface Citizen {
  nationalId: string;
  fullName: string;
  dateOfBirth: string;
  gender: 'male' | 'female';
  nationality: string;
  placeOfOrigin: string;
  permanentAddress: string;
  province: string;
  status: 'living' | 'deceased';
}

/** An enterprise or branch in the business register. */
export interface Business {
  enterpriseCode: string;
  name: string;
  legalForm: string;
  status: 'active' | 'suspended' | 'dissolved';
  registeredAddress: string;
  province: string;
  legalRepresentative: string;
  /** Integer VND. */
  charterCapitalVnd: number;
  establishedDate: string;
  industryCodes: string[];
}

/** The record each register of REGISTERS (shared/identity/model.ts) holds, found by its key. */
export interface RegisterRecords {
  population: Citizen;
  business: Business;
}

/** The records the README's quick start names: always present, so the quick start and smoke tests can rely on them. */
export const demoCitizens: Citizen[] = [
  {
    nationalId: '001099012345',
    fullName: 'Nguyễn Văn An',
    dateOfBirth: '1999-05-14',
    gender: 'male',
    nationality: 'Việt Nam',
    placeOfOrigin: 'Xã Phù Đổng, huyện Gia Lâm, Hà Nội',
    permanentAddress: 'Số 12 phố Hàng Bài, phường Hoàn Kiếm, Hà Nội',
    province: 'Hà Nội',
    status: 'living',
  },
  {
    nationalId: '048301000123',
    fullName: 'Trần Thị Bích',
    dateOfBirth: '2001-11-02',
    gender: 'female',
    nationality: 'Việt Nam',
    placeOfOrigin: 'Phường Hòa Khánh Bắc, quận Liên Chiểu, Đà Nẵng',
    permanentAddress: 'Số 45 đường Bạch Đằng, phường Hải Châu, Đà Nẵng',
    province: 'Đà Nẵng',
    status: 'living',
  },
];

export const demoBusinesses: Business[] = [
  {
    enterpriseCode: '0401234567',
    name: 'Công ty Cổ phần Công nghệ Sông Hàn',
    legalForm: 'Công ty cổ phần',
    status: 'active',
    registeredAddress: 'Số 100 đường Trần Phú, phường Hải Châu, Đà Nẵng',
    province: 'Đà Nẵng',
    legalRepresentative: 'Lê Minh Tuấn',
    charterCapitalVnd: 15_000_000_000,
    establishedDate: '2015-03-20',
    industryCodes: ['6201', '6202'],
  },
  {
    enterpriseCode: '5701234567',
    name: 'Công ty TNHH Du lịch Hạ Long Xanh',
    legalForm: 'Công ty trách nhiệm hữu hạn',
    status: 'active',
    registeredAddress: 'Số 8 đường Hạ Long, phường Bãi Cháy, Quảng Ninh',
    province: 'Quảng Ninh',
    legalRepresentative: 'Phạm Thu Hương',
    charterCapitalVnd: 5_000_000_000,
    establishedDate: '2012-07-01',
    industryCodes: ['7911', '5510'],
  },
];
