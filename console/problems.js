/**
 * Every problem the gateway can answer the console with, said in the user's language: a message per problem
 * `type` (`/problems/<slug>`, shared/errors.ts and shared/http/problem.ts; the token endpoint's `oauth-<error>`),
 * and per zod issue code for an invalid field. The API's English `title`, `detail` and field messages are for
 * the "Details" disclosure only. Pure (no DOM): i18n.js adds the words, ui.js shows them, the tests import it.
 */

/** The slug of a `/problems/<slug>` type; undefined for anything else (a proxy's page, an empty body). */
export const problemSlug = (type) =>
  typeof type === 'string' ? /^\/problems\/([a-z0-9-]+)$/.exec(type)?.[1] : undefined;

/** The problem a status means when the type names none we know (`http-<status>`, a proxy's error). */
const BY_STATUS = {
  400: 'bad-request',
  401: 'unauthorized',
  402: 'budget-exhausted',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  413: 'content-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable-content',
  429: 'too-many-requests',
  431: 'request-header-fields-too-large',
  500: 'internal-error',
  502: 'bad-gateway',
  503: 'service-unavailable',
  504: 'gateway-timeout',
};

/** Problem slugs that say the same as another (the register's custodian is the gateway's upstream). */
const SAME_AS = { 'custodian-error': 'bad-gateway', 'custodian-timeout': 'gateway-timeout' };

/**
 * The message key of a problem (`problem.<slug>`) from its slug and status, known words only: a slug of our
 * own, else what its status means, else `problem.unknown` (which takes `{status}`).
 */
export function problemKey(slug, status) {
  const known = (name) => name && Object.hasOwn(messages.vi, `problem.${name}`);
  const named = SAME_AS[slug] ?? slug;
  if (known(named)) return `problem.${named}`;
  const http = /^http-(\d{3})$/.exec(slug ?? '')?.[1];
  const byStatus = BY_STATUS[http ?? status];
  return known(byStatus) ? `problem.${byStatus}` : 'problem.unknown';
}

/**
 * The key and parameters wording one invalid field from its zod issue code and limits (`field.<code>`, with
 * the origin where the words differ: `field.too_small.string` "at least 3 characters"); `field.invalid` when
 * the code is unknown or a custom rule's (whose English message is all the API says of it).
 */
export function fieldMessageKey({ code, params = {} }) {
  const origin = ['string', 'number', 'int', 'bigint', 'array', 'set'].includes(params.origin)
    ? ({ int: 'number', bigint: 'number', set: 'array' }[params.origin] ?? params.origin)
    : undefined;
  if (code === 'too_small' || code === 'too_big') {
    const limit = code === 'too_small' ? params.minimum : params.maximum;
    if (!origin || limit === undefined) return { key: `field.${code}` };
    const strict = origin === 'number' && params.inclusive === false ? '.strict' : '';
    return { key: `field.${code}.${origin}${strict}`, params: { limit } };
  }
  if (code === 'unrecognized_keys') {
    return { key: 'field.unrecognized_keys', params: { keys: (params.keys ?? []).join(', ') } };
  }
  if (code === 'not_multiple_of' && params.divisor !== undefined) {
    return { key: 'field.not_multiple_of', params: { divisor: params.divisor } };
  }
  if (['invalid_type', 'invalid_format', 'invalid_value'].includes(code)) return { key: `field.${code}` };
  if (code === 'custom' && Object.hasOwn(messages.vi, `field.rule.${params.rule}`)) {
    return { key: `field.rule.${params.rule}` };
  }
  return { key: 'field.invalid' };
}

export const messages = {
  vi: {
    'problem.bad-request': 'Yêu cầu không hợp lệ.',
    'problem.validation-error': 'Dữ liệu nhập chưa hợp lệ.',
    'problem.unauthorized':
      'Thông tin đăng nhập không được chấp nhận hoặc phiên đăng nhập không còn hiệu lực.',
    'problem.forbidden': 'Bạn không có quyền thực hiện thao tác này.',
    'problem.agency-suspended':
      'Cơ quan đang bị tạm dừng: mọi yêu cầu của cơ quan bị từ chối cho đến khi quản trị viên kích hoạt lại.',
    'problem.not-found': 'Không tìm thấy dữ liệu được yêu cầu: có thể dữ liệu đã bị xóa hoặc chưa từng có.',
    'problem.conflict':
      'Không thực hiện được vì xung đột với trạng thái hiện tại (ví dụ: đã tồn tại, vừa bị thay đổi, hoặc chưa đến lúc thực hiện).',
    'problem.last-admin-credential':
      'Không thực hiện được: đây là thông tin xác thực quản trị cuối cùng còn hoạt động; nếu tiếp tục, sẽ không còn ai quản trị được cổng dữ liệu.',
    'problem.too-many-requests':
      'Quá nhiều yêu cầu trong thời gian ngắn, hoặc đã hết hạn ngạch. Vui lòng chờ một lát rồi thử lại.',
    'problem.service-unavailable':
      'Cổng dữ liệu hoặc một hệ thống mà nó cần tạm thời không sẵn sàng; chưa có gì được thực hiện. Vui lòng thử lại sau ít phút.',
    'problem.budget-exhausted':
      'Cơ quan đã dùng hết hạn mức ngân sách của tháng; yêu cầu không được phục vụ và không bị tính phí.',
    'problem.bad-gateway': 'Hệ thống dữ liệu nguồn trả lời lỗi; yêu cầu không được phục vụ.',
    'problem.gateway-timeout': 'Hệ thống dữ liệu nguồn không trả lời kịp thời; yêu cầu không được phục vụ.',
    'problem.method-not-allowed': 'Thao tác này không được hỗ trợ tại địa chỉ này.',
    'problem.not-acceptable': 'Cổng dữ liệu không trả được dữ liệu theo định dạng được yêu cầu.',
    'problem.content-too-large': 'Dữ liệu gửi lên quá lớn.',
    'problem.unsupported-media-type': 'Dữ liệu gửi lên không theo định dạng mà thao tác này chấp nhận.',
    'problem.unprocessable-content': 'Cổng dữ liệu không xử lý được dữ liệu gửi lên.',
    'problem.request-header-fields-too-large': 'Phần đầu (header) của yêu cầu quá lớn.',
    'problem.internal-error':
      'Cổng dữ liệu gặp lỗi ngoài dự kiến và không hoàn thành được yêu cầu. Nếu lỗi lặp lại, hãy báo cho cơ quan vận hành kèm mã yêu cầu.',
    'problem.oauth-invalid-request': 'Yêu cầu đăng nhập không hợp lệ.',
    'problem.oauth-invalid-client':
      'Mã ứng dụng hoặc khóa bí mật không đúng, hoặc thông tin xác thực đã bị thu hồi.',
    'problem.oauth-invalid-grant': 'Quyền cấp mã truy cập không hợp lệ.',
    'problem.oauth-unauthorized-client':
      'Thông tin xác thực này không được cấp mã truy cập: cơ quan của nó đang bị tạm dừng.',
    'problem.oauth-unsupported-grant-type': 'Cách cấp mã truy cập này không được hỗ trợ.',
    'problem.oauth-invalid-scope': 'Thông tin xác thực này không có quyền (scope) được yêu cầu.',
    'problem.unknown': 'Yêu cầu không thành công (mã HTTP {status}).',
    'problem.details': 'Chi tiết',
    'problem.type': 'Loại lỗi',
    'problem.apiTitle': 'Tiêu đề (tiếng Anh, từ cổng dữ liệu)',
    'problem.apiDetail': 'Mô tả (tiếng Anh, từ cổng dữ liệu)',
    'problem.apiFields': 'Các trường (tiếng Anh, từ cổng dữ liệu)',
    'problem.requestId': 'Mã yêu cầu',
    'field.invalid_type': 'còn thiếu hoặc không đúng kiểu dữ liệu.',
    'field.invalid_format': 'không đúng định dạng.',
    'field.invalid_value': 'không phải là một giá trị được chấp nhận.',
    'field.too_small': 'quá nhỏ.',
    'field.too_small.string': 'cần ít nhất {limit} ký tự.',
    'field.too_small.number': 'phải từ {limit} trở lên.',
    'field.too_small.number.strict': 'phải lớn hơn {limit}.',
    'field.too_small.array': 'cần ít nhất {limit} mục.',
    'field.too_big': 'quá lớn.',
    'field.too_big.string': 'tối đa {limit} ký tự.',
    'field.too_big.number': 'không được lớn hơn {limit}.',
    'field.too_big.number.strict': 'phải nhỏ hơn {limit}.',
    'field.too_big.array': 'tối đa {limit} mục.',
    'field.not_multiple_of': 'phải là bội số của {divisor}.',
    'field.unrecognized_keys': 'có trường không được chấp nhận: {keys}.',
    'field.rule.burst-at-least-per-second': 'phải lớn hơn hoặc bằng số lượt gọi mỗi giây.',
    'field.rule.tiers-ascending':
      'các bậc phải tăng dần theo số lượt, và chỉ bậc cuối cùng không có giới hạn trên.',
    'field.invalid': 'không hợp lệ (xem phần Chi tiết).',
  },
  en: {
    'problem.bad-request': 'The request is not valid.',
    'problem.validation-error': 'Some of what you entered is not valid.',
    'problem.unauthorized': 'The credentials were not accepted, or your session is no longer valid.',
    'problem.forbidden': 'You are not allowed to do this.',
    'problem.agency-suspended':
      'The agency is suspended: all of its requests are refused until an admin reactivates it.',
    'problem.not-found': 'What was asked for was not found: it may have been removed, or never existed.',
    'problem.conflict':
      'Not done: it conflicts with the current state (for example it already exists, changed meanwhile, or is not possible yet).',
    'problem.last-admin-credential':
      'Not done: this is the last active admin credential; without it nobody could administer the gateway.',
    'problem.too-many-requests':
      'Too many requests in a short time, or the quota is used up. Wait a moment and try again.',
    'problem.service-unavailable':
      'The gateway or a system it needs is briefly unavailable; nothing was done. Try again in a few minutes.',
    'problem.budget-exhausted':
      "The agency's monthly budget cap is reached; the request was not served and not billed.",
    'problem.bad-gateway': 'The source register answered with an error; the request was not served.',
    'problem.gateway-timeout': 'The source register did not answer in time; the request was not served.',
    'problem.method-not-allowed': 'This operation is not supported at this address.',
    'problem.not-acceptable': 'The gateway cannot answer in the format asked for.',
    'problem.content-too-large': 'What was sent is too large.',
    'problem.unsupported-media-type': 'What was sent is not in a format this operation accepts.',
    'problem.unprocessable-content': 'The gateway could not process what was sent.',
    'problem.request-header-fields-too-large': 'The request headers are too large.',
    'problem.internal-error':
      'The gateway failed unexpectedly and could not complete the request. If it happens again, tell the operator agency, with the request id.',
    'problem.oauth-invalid-request': 'The sign-in request is not valid.',
    'problem.oauth-invalid-client': 'The client id or secret is wrong, or the credential has been revoked.',
    'problem.oauth-invalid-grant': 'The grant is not valid.',
    'problem.oauth-unauthorized-client': 'This credential is not issued tokens: its agency is suspended.',
    'problem.oauth-unsupported-grant-type': 'This grant type is not supported.',
    'problem.oauth-invalid-scope': 'This credential does not hold the scope asked for.',
    'problem.unknown': 'The request failed (HTTP {status}).',
    'problem.details': 'Details',
    'problem.type': 'Problem type',
    'problem.apiTitle': 'Title (from the gateway)',
    'problem.apiDetail': 'Detail (from the gateway)',
    'problem.apiFields': 'Fields (from the gateway)',
    'problem.requestId': 'Request id',
    'field.invalid_type': 'is missing or of the wrong type.',
    'field.invalid_format': 'is not in the expected format.',
    'field.invalid_value': 'is not one of the accepted values.',
    'field.too_small': 'is too small.',
    'field.too_small.string': 'needs at least {limit} characters.',
    'field.too_small.number': 'must be {limit} or more.',
    'field.too_small.number.strict': 'must be more than {limit}.',
    'field.too_small.array': 'needs at least {limit} items.',
    'field.too_big': 'is too large.',
    'field.too_big.string': 'takes at most {limit} characters.',
    'field.too_big.number': 'must be {limit} or less.',
    'field.too_big.number.strict': 'must be less than {limit}.',
    'field.too_big.array': 'takes at most {limit} items.',
    'field.not_multiple_of': 'must be a multiple of {divisor}.',
    'field.unrecognized_keys': 'has fields that are not accepted: {keys}.',
    'field.rule.burst-at-least-per-second': 'must be at least the calls per second.',
    'field.rule.tiers-ascending': 'tiers must ascend by calls, and only the last one has no upper limit.',
    'field.invalid': 'is not valid (see Details).',
  },
};
