/**
 * The console's shared words in Vietnamese (the default) and English: the shell's (sign-in, session, language),
 * the shared dialogs' and what several pages use (common, input, status, op, error, outcome; problem and field:
 * every problem the API can answer, from problems.js). Each page brings
 * its own words (console/pages/<id>.js, `messages`); the shell adds them with addMessages. Every key exists in
 * both languages (test/unit/console/i18n.test.ts checks it, and that the markup names only keys that exist).
 */

import { messages as problems } from './problems.js';

export const LANGUAGES = ['vi', 'en'];

export const messages = {
  vi: {
    ...problems.vi,
    'page.title': 'Bảng điều khiển · Cổng dữ liệu quốc gia',
    brand: 'Cổng dữ liệu quốc gia',
    'brand.sub': 'Bảng điều khiển quản trị, tài chính và cơ quan',
    skip: 'Bỏ qua, đến nội dung chính',
    'lang.label': 'Ngôn ngữ',
    'nav.label': 'Các trang',
    'session.signedInAs': 'Đã đăng nhập: {client} · quyền: {scopes}',
    'scope.self:read': 'Xem tài khoản của cơ quan',
    'scope.admin': 'Quản trị',
    'scope.billing:read': 'Xem tài chính',
    'scope.billing:close': 'Khóa sổ',
    'scope.audit:read': 'Kiểm toán',
    'session.signOut': 'Đăng xuất',
    'session.expired': 'Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.',
    'signin.title': 'Đăng nhập',
    'signin.intro':
      'Dùng mã ứng dụng (client id) và khóa bí mật do cơ quan vận hành nền tảng cấp. Mã truy cập chỉ được giữ trong bộ nhớ của trang này và mất đi khi bạn đóng hoặc tải lại trang.',
    'signin.clientId': 'Mã ứng dụng (client id)',
    'signin.secret': 'Khóa bí mật (client secret)',
    'signin.submit': 'Đăng nhập',
    'signin.failed': 'Đăng nhập không thành công',
    'signin.noScopes':
      'Thông tin xác thực này không có quyền quản trị (admin), tài chính (billing), kiểm toán (audit) hay xem thông tin của cơ quan mình (self:read).',
    'common.loading': 'Đang tải…',
    'common.refresh': 'Làm mới',
    'common.loadMore': 'Tải thêm',
    'common.actions': 'Thao tác',
    'common.none': 'Không có dữ liệu.',
    'common.agency': 'Cơ quan',
    'common.chooseAgency': 'Chọn cơ quan',
    'common.allAgencies': 'Tất cả cơ quan',
    'common.status': 'Trạng thái',
    'common.code': 'Mã',
    'common.name': 'Tên',
    'common.created': 'Ngày tạo',
    'common.operation': 'Nghiệp vụ',
    'common.calls': 'Số lượt gọi',
    'common.billable': 'Lượt tính phí',
    'common.show': 'Xem',
    'common.period': 'Kỳ',
    'common.total': 'Tổng',
    'input.dayHint': 'Ngày dạng dd/mm/yyyy, ví dụ 27/11/2026',
    'input.monthHint': 'Tháng dạng mm/yyyy, ví dụ 11/2026',
    'input.badDay': '“{value}” không phải là một ngày hợp lệ (dd/mm/yyyy).',
    'input.badMonth': '“{value}” không phải là một tháng hợp lệ (mm/yyyy).',
    'status.active': 'Đang hoạt động',
    'status.suspended': 'Tạm dừng',
    'status.revoked': 'Đã thu hồi',
    'status.open': 'Đang mở',
    'status.closed': 'Đã khóa sổ',
    'op.citizen:read': 'Tra cứu công dân',
    'op.citizen:verify': 'Xác thực thông tin công dân',
    'op.business:read': 'Tra cứu doanh nghiệp',
    'op.business:search': 'Tìm kiếm doanh nghiệp',
    'error.network': 'Không kết nối được với cổng dữ liệu. Vui lòng thử lại.',
    'error.requestId': 'Mã yêu cầu: {id}',
    'error.forbidden': 'Bạn không có quyền thực hiện thao tác này.',
    'credentials.pickAgency': 'Chọn một cơ quan để xem thông tin xác thực.',
    'secret.title': 'Khóa bí mật mới: chỉ hiển thị một lần',
    'secret.explain':
      'Sao chép và lưu khóa này vào kho bí mật ngay bây giờ. Cổng dữ liệu chỉ giữ bản băm; khi đóng hộp thoại, khóa sẽ không bao giờ được hiển thị lại.',
    'secret.clientId': 'Mã ứng dụng',
    'secret.value': 'Khóa bí mật',
    'secret.copy': 'Sao chép khóa bí mật',
    'secret.copied': 'Đã sao chép vào bộ nhớ tạm.',
    'secret.copyFailed': 'Không sao chép được; hãy chọn khóa và sao chép thủ công.',
    'secret.overlap': 'Khóa cũ vẫn dùng được đến {time}.',
    'secret.close': 'Tôi đã lưu khóa, đóng lại',
    'outcome.served': 'Đã phục vụ',
    'outcome.refused': 'Bị từ chối',
    'outcome.done': 'Đã thực hiện',
    'error.fields': 'Các trường chưa hợp lệ:',
  },
  en: {
    ...problems.en,
    'page.title': 'Console · National Data Gateway',
    brand: 'National Data Gateway',
    'brand.sub': 'Console for administration, finance and agencies',
    skip: 'Skip to main content',
    'lang.label': 'Language',
    'nav.label': 'Pages',
    'session.signedInAs': 'Signed in as {client} · scopes: {scopes}',
    'scope.self:read': "The agency's own account (read)",
    'scope.admin': 'Administration',
    'scope.billing:read': 'Finance (read)',
    'scope.billing:close': 'Close months',
    'scope.audit:read': 'Audit',
    'session.signOut': 'Sign out',
    'session.expired': 'Your session has expired. Please sign in again.',
    'signin.title': 'Sign in',
    'signin.intro':
      'Use a client id and secret issued by the platform operator agency. The access token is kept only in this page’s memory and is gone when you close or reload the page.',
    'signin.clientId': 'Client id',
    'signin.secret': 'Client secret',
    'signin.submit': 'Sign in',
    'signin.failed': 'Sign-in failed',
    'signin.noScopes': 'This credential has no admin, billing, audit or own-agency (self:read) scope.',
    'common.loading': 'Loading…',
    'common.refresh': 'Refresh',
    'common.loadMore': 'Load more',
    'common.actions': 'Actions',
    'common.none': 'Nothing to show.',
    'common.agency': 'Agency',
    'common.chooseAgency': 'Choose an agency',
    'common.allAgencies': 'All agencies',
    'common.status': 'Status',
    'common.code': 'Code',
    'common.name': 'Name',
    'common.created': 'Created',
    'common.operation': 'Operation',
    'common.calls': 'Calls',
    'common.billable': 'Billable',
    'common.show': 'Show',
    'common.period': 'Period',
    'common.total': 'Total',
    'input.dayHint': 'A day as dd/mm/yyyy, e.g. 27/11/2026',
    'input.monthHint': 'A month as mm/yyyy, e.g. 11/2026',
    'input.badDay': '“{value}” is not a valid day (dd/mm/yyyy).',
    'input.badMonth': '“{value}” is not a valid month (mm/yyyy).',
    'status.active': 'Active',
    'status.suspended': 'Suspended',
    'status.revoked': 'Revoked',
    'status.open': 'Open',
    'status.closed': 'Closed',
    'op.citizen:read': 'Citizen lookup',
    'op.citizen:verify': 'Citizen verification',
    'op.business:read': 'Business lookup',
    'op.business:search': 'Business search',
    'error.network': 'Could not reach the gateway. Please try again.',
    'error.requestId': 'Request id: {id}',
    'error.forbidden': 'You are not allowed to do this.',
    'credentials.pickAgency': 'Choose an agency to see its credentials.',
    'secret.title': 'New client secret: shown only once',
    'secret.explain':
      'Copy it into your secret store now. The gateway keeps only a hash; once this dialog is closed the secret is never shown again.',
    'secret.clientId': 'Client id',
    'secret.value': 'Client secret',
    'secret.copy': 'Copy the secret',
    'secret.copied': 'Copied to the clipboard.',
    'secret.copyFailed': 'Could not copy; select the secret and copy it by hand.',
    'secret.overlap': 'The previous secret keeps working until {time}.',
    'secret.close': 'I have stored it, close',
    'outcome.served': 'Served',
    'outcome.refused': 'Refused',
    'outcome.done': 'Done',
    'error.fields': 'Fields to correct:',
  },
};

/** What translate finds: the shared words and every page's added with addMessages. */
const catalogue = { vi: { ...messages.vi }, en: { ...messages.en } };

/** Adds a page's own words, `{ vi: { key: text }, en: { key: text } }`, to what translate finds. */
export function addMessages(words) {
  for (const lang of LANGUAGES) Object.assign(catalogue[lang], words[lang]);
}

/** The message `key` in `lang` with `{name}` placeholders filled; the key itself if it is unknown. */
export function translate(lang, key, params = {}) {
  const table = catalogue[lang] ?? catalogue.vi;
  const text = table[key] ?? catalogue.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}
