/**
 * Statements (an agency, self:read): the agency's own statement of this month or a past one, explained as finance
 * sees it (views/statement.js), its CSV file, and for a closed month its signature checked in the browser against
 * the gateway's published keys. From GET /me/statements/{period} and /signed.
 */
import { api, PLATFORM_SCOPES, t } from '../context.js';
import { formatPeriod, periodOf, shiftPeriod } from '../format.js';
import { $, busy, clearMessages, h, newest } from '../ui.js';
import { clearStatement, renderStatement } from '../views/statement.js';

/** The months offered: this one and the MONTHS - 1 before it. */
const MONTHS = 12;

/** What this page shows: the statement last read. */
const view = { answer: undefined };

function renderMonths() {
  const select = $('my-statements-month');
  const current = select.value;
  const thisMonth = periodOf(Date.now());
  select.replaceChildren(
    ...Array.from({ length: MONTHS }, (_, i) => {
      const period = shiftPeriod(thisMonth, -i);
      return h('option', {
        value: period,
        text: i === 0 ? t('myStatements.thisMonth', { period: formatPeriod(period) }) : formatPeriod(period),
      });
    }),
  );
  if (current) select.value = current;
}

async function loadStatement() {
  renderMonths();
  const period = $('my-statements-month').value;
  const current = newest('my-statement');
  const answer = await api.json('GET', `me/statements/${period}`);
  if (!current()) return;
  view.answer = answer;
  renderMyStatement();
}

function renderMyStatement() {
  renderMonths();
  const answer = view.answer;
  $('my-statement-box').hidden = !answer;
  if (!answer) return;
  const { statement } = answer;
  const period = statement.period;
  $('h-my-statement').textContent = t('myStatements.detail', {
    agency: statement.agencyName,
    period: formatPeriod(period),
  });
  renderStatement($('my-statement-view'), answer, {
    id: 'my-statement',
    csv: () => api.text(`me/statements/${period}`, 'text/csv'),
    signed: () => api.text(`me/statements/${period}/signed`),
    filename: `statement-${statement.agencyId}-${period}`,
  });
}

export default {
  id: 'my-statements',
  nav: 'nav.myStatements',
  scopes: ['self:read'],
  notWith: PLATFORM_SCOPES,
  markup: `<section id="page-my-statements" class="page" aria-labelledby="h-my-statements" hidden>
  <h1 id="h-my-statements" data-i18n="myStatements.title">Bảng kê của cơ quan</h1>
  <p data-i18n="myStatements.intro">Bảng kê của tháng đang chạy còn thay đổi theo từng lượt gọi; bảng kê của tháng đã khóa sổ được cổng dữ liệu ký và không bao giờ thay đổi.</p>
  <form id="my-statements-form" class="row">
    <div class="field"><label for="my-statements-month" data-i18n="myStatements.month">Tháng</label>
      <select id="my-statements-month"></select></div>
    <button type="submit" data-i18n="common.show">Xem</button>
  </form>
  <section id="my-statement-box" class="box" aria-labelledby="h-my-statement" hidden>
    <h2 id="h-my-statement" data-i18n="myStatements.title">Bảng kê của cơ quan</h2>
    <div id="my-statement-view"></div>
  </section>
</section>`,
  messages: {
    vi: {
      'nav.myStatements': 'Bảng kê',
      'myStatements.title': 'Bảng kê của cơ quan',
      'myStatements.intro':
        'Bảng kê của tháng đang chạy còn thay đổi theo từng lượt gọi; bảng kê của tháng đã khóa sổ được cổng dữ liệu ký và không bao giờ thay đổi.',
      'myStatements.month': 'Tháng',
      'myStatements.thisMonth': '{period} (tháng này)',
      'myStatements.detail': 'Bảng kê của {agency}, tháng {period}',
    },
    en: {
      'nav.myStatements': 'Statements',
      'myStatements.title': "The agency's statements",
      'myStatements.intro':
        "The running month's statement changes with every call; a closed month's statement is signed by the gateway and never changes.",
      'myStatements.month': 'Month',
      'myStatements.thisMonth': '{period} (this month)',
      'myStatements.detail': 'Statement of {agency}, {period}',
    },
  },
  init() {
    $('my-statements-form').addEventListener('submit', (event) => {
      event.preventDefault();
      clearMessages();
      busy(t('common.loading'), loadStatement, { button: event.submitter });
    });
  },
  load() {
    return busy(t('common.loading'), loadStatement);
  },
  render: renderMyStatement,
  reset() {
    view.answer = undefined;
    $('my-statements-month').replaceChildren();
    clearStatement($('my-statement-view'));
  },
};
