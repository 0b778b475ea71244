/*! Netzwerk Hub – partner widgets: <netzwerk-events>, <netzwerk-services>,
 * <netzwerk-organisations>. One file, no dependencies; works as a classic
 * <script src> and as type="module". Talks only to the Hub it was loaded from
 * (or the `hub` attribute), and only by persisted queries (graphql/persisted/partner.graphql).
 *
 * Attributes: api-key, lang, category, target-group, language, locality, limit,
 * layout (list | cards | compact), hub; also organisation (slug; events, services),
 * topic (organisations), days (events: how far ahead, default 90), heading, heading-level.
 * Theming: --netzwerk-accent, --netzwerk-text, --netzwerk-background, --netzwerk-muted,
 * --netzwerk-border, --netzwerk-danger, --netzwerk-success, --netzwerk-focus,
 * --netzwerk-font, --netzwerk-radius, --netzwerk-gap, --netzwerk-padding; ::part(region
 * heading status error empty list item title link date meta badge note address more).
 */
(function () {
  'use strict';
  if (typeof window === 'undefined' || !window.customElements || customElements.get('netzwerk-events')) return;

  // Replaced by the Hub with the SHA-256 of graphql/persisted/partner.graphql.
  const HASH = '__PARTNER_DOCUMENT_SHA256__';
  const TZ = 'Europe/Berlin';
  const RTL = ['ar', 'fa'];

  // The Hub: where this script came from (captured now; null later and in modules).
  const SCRIPT_SRC = (function () {
    const cs = document.currentScript;
    if (cs && cs.src) return cs.src;
    const all = document.querySelectorAll('script[src]');
    for (let i = all.length - 1; i >= 0; i--) {
      if (/\/embed\/netzwerk(\.min)?\.js([?#]|$)/.test(all[i].src)) return all[i].src;
    }
    return '';
  })();

  function hubBase(override) {
    const raw = override || SCRIPT_SRC;
    if (!raw) return '';
    try {
      const u = new URL(raw, location.href);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return '';
      if (override) return (u.origin + u.pathname).replace(/\/+$/, '');
      const i = u.pathname.lastIndexOf('/embed/');
      return u.origin + (i > 0 ? u.pathname.slice(0, i) : '');
    } catch (e) {
      return '';
    }
  }

  // UI strings, in the order of KEYS.
  const KEYS = ['events', 'services', 'organisations', 'loading', 'empty', 'more', 'cancelled',
    'tentative', 'openNow', 'openToday', 'closedToday', 'languages', 'wheelchair', 'noWheelchair',
    'free', 'appointment', 'online', 'allDay', 'website', 'inLang', 'machine', 'errAuth', 'errRate',
    'errNet', 'errOther', 'errSetup'];
  const STRINGS = {
    de: ['Veranstaltungen', 'Angebote', 'Organisationen', 'Wird geladen …', 'Keine Einträge',
      'Mehr erfahren', 'Abgesagt', 'Vorläufig', 'Jetzt geöffnet', 'Heute geöffnet',
      'Heute geschlossen', 'Sprachen', 'Rollstuhlgerecht', 'Nicht rollstuhlgerecht', 'Kostenlos',
      'Termin nötig', 'Online', 'ganztägig', 'Website', 'auf {0}', 'maschinell übersetzt',
      'Die Einträge können hier leider nicht angezeigt werden.',
      'Im Moment kommen zu viele Anfragen an. Bitte versuchen Sie es später noch einmal.',
      'Der Netzwerk Hub ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal.',
      'Die Einträge konnten leider nicht geladen werden.',
      'Das Widget ist nicht richtig eingebunden.'],
    en: ['Events', 'Services', 'Organisations', 'Loading …', 'No entries', 'Learn more',
      'Cancelled', 'Tentative', 'Open now', 'Open today', 'Closed today', 'Languages',
      'Wheelchair accessible', 'Not wheelchair accessible', 'Free of charge', 'Appointment needed',
      'Online', 'all day', 'Website', 'in {0}', 'machine-translated',
      'Sorry, these entries cannot be shown here.',
      'There are too many requests right now. Please try again later.',
      'The Netzwerk Hub cannot be reached right now. Please try again later.',
      'Sorry, the entries could not be loaded.',
      'The widget is not set up correctly.'],
    ar: ['الفعاليات', 'الخدمات', 'المنظمات', 'جارٍ التحميل…', 'لا توجد إدخالات', 'اعرف المزيد',
      'ملغاة', 'مبدئي', 'مفتوح الآن', 'مفتوح اليوم', 'مغلق اليوم', 'اللغات',
      'مناسب للكراسي المتحركة', 'غير مناسب للكراسي المتحركة', 'مجاني', 'يلزم حجز موعد',
      'عبر الإنترنت', 'طوال اليوم', 'الموقع الإلكتروني', 'باللغة {0}', 'ترجمة آلية',
      'عذرًا، لا يمكن عرض هذه الإدخالات هنا.',
      'هناك طلبات كثيرة جدًا حاليًا. يرجى المحاولة لاحقًا.',
      'لا يمكن الوصول إلى Netzwerk Hub حاليًا. يرجى المحاولة لاحقًا.',
      'عذرًا، تعذّر تحميل الإدخالات.',
      'لم يتم تضمين الأداة بشكل صحيح.'],
    fa: ['رویدادها', 'خدمات', 'سازمان‌ها', 'در حال بارگذاری…', 'موردی وجود ندارد', 'بیشتر بدانید',
      'لغو شد', 'موقت', 'اکنون باز است', 'امروز باز است', 'امروز بسته است', 'زبان‌ها',
      'مناسب برای ویلچر', 'نامناسب برای ویلچر', 'رایگان', 'نیاز به وقت قبلی', 'آنلاین', 'تمام روز',
      'وب‌سایت', 'به زبان {0}', 'ترجمهٔ ماشینی',
      'متأسفیم، این موارد اینجا قابل نمایش نیستند.',
      'در حال حاضر درخواست‌ها بیش از حد است. لطفاً بعداً دوباره تلاش کنید.',
      'در حال حاضر دسترسی به Netzwerk Hub ممکن نیست. لطفاً بعداً دوباره تلاش کنید.',
      'متأسفیم، بارگذاری موارد ممکن نشد.',
      'این ابزارک به‌درستی جاسازی نشده است.'],
    tr: ['Etkinlikler', 'Hizmetler', 'Kuruluşlar', 'Yükleniyor…', 'Kayıt yok', 'Daha fazla bilgi',
      'İptal edildi', 'Kesin değil', 'Şu an açık', 'Bugün açık', 'Bugün kapalı', 'Diller',
      'Tekerlekli sandalyeye uygun', 'Tekerlekli sandalyeye uygun değil', 'Ücretsiz',
      'Randevu gerekli', 'Çevrim içi', 'tüm gün', 'İnternet sitesi', '{0}', 'makine çevirisi',
      'Üzgünüz, bu kayıtlar burada gösterilemiyor.',
      'Şu anda çok fazla istek var. Lütfen daha sonra tekrar deneyin.',
      'Netzwerk Hub şu anda erişilemiyor. Lütfen daha sonra tekrar deneyin.',
      'Üzgünüz, kayıtlar yüklenemedi.',
      'Bileşen doğru şekilde eklenmemiş.'],
    uk: ['Заходи', 'Послуги', 'Організації', 'Завантаження…', 'Записів немає', 'Докладніше',
      'Скасовано', 'Попередньо', 'Зараз відчинено', 'Сьогодні відчинено', 'Сьогодні зачинено',
      'Мови', 'Доступно для візків', 'Недоступно для візків', 'Безкоштовно', 'Потрібен запис',
      'Онлайн', 'весь день', 'Вебсайт', 'мовою: {0}', 'машинний переклад',
      'На жаль, ці записи не можна показати тут.',
      'Зараз забагато запитів. Будь ласка, спробуйте пізніше.',
      'Netzwerk Hub зараз недоступний. Будь ласка, спробуйте пізніше.',
      'На жаль, не вдалося завантажити записи.',
      'Віджет вбудовано неправильно.'],
    ru: ['Мероприятия', 'Услуги', 'Организации', 'Загрузка…', 'Записей нет', 'Подробнее',
      'Отменено', 'Предварительно', 'Сейчас открыто', 'Сегодня открыто', 'Сегодня закрыто',
      'Языки', 'Доступно для колясок', 'Недоступно для колясок', 'Бесплатно', 'Нужна запись',
      'Онлайн', 'весь день', 'Сайт', 'на языке: {0}', 'машинный перевод',
      'К сожалению, эти записи нельзя показать здесь.',
      'Сейчас слишком много запросов. Пожалуйста, попробуйте позже.',
      'Netzwerk Hub сейчас недоступен. Пожалуйста, попробуйте позже.',
      'К сожалению, не удалось загрузить записи.',
      'Виджет встроен неправильно.']
  };
  function strings(ui) {
    const t = {};
    KEYS.forEach(function (k, i) { t[k] = STRINGS[ui][i]; });
    return t;
  }

  const CSS = ':host{--_a:var(--netzwerk-accent,#0b5cad);--_t:var(--netzwerk-text,#1c1c1c);' +
    '--_b:var(--netzwerk-background,#fff);--_m:var(--netzwerk-muted,#4d4d4d);' +
    '--_l:var(--netzwerk-border,#c4c4c4);--_d:var(--netzwerk-danger,#a3000e);' +
    '--_o:var(--netzwerk-success,#176129);--_f:var(--netzwerk-focus,var(--_a));' +
    '--_r:var(--netzwerk-radius,.5rem);--_g:var(--netzwerk-gap,1rem);display:block;' +
    'color:var(--_t);background:var(--_b);font-family:var(--netzwerk-font,inherit);' +
    'line-height:1.5;border-radius:var(--_r)}' +
    '@media (prefers-color-scheme:dark){:host{--_a:var(--netzwerk-accent,#9cc3ff);' +
    '--_t:var(--netzwerk-text,#ececec);--_b:var(--netzwerk-background,#161616);' +
    '--_m:var(--netzwerk-muted,#bdbdbd);--_l:var(--netzwerk-border,#4a4a4a);' +
    '--_d:var(--netzwerk-danger,#ff9e9e);--_o:var(--netzwerk-success,#86e09e)}}' +
    ':host([hidden]){display:none}*{box-sizing:border-box}' +
    'section{padding:var(--netzwerk-padding,.75rem 1rem)}' +
    '[part~=heading]{font-size:1.25em;margin:0 0 .5em;line-height:1.25}[part~=title]{font-size:1.05em;margin:0;line-height:1.3}' +
    'p{margin:.25em 0}ul{list-style:none;margin:0;padding:0}address{font-style:normal}' +
    '.list>li{padding:.75em 0;border-top:1px solid var(--_l)}.list>li:first-child{border-top:0}' +
    '.cards{display:grid;gap:var(--_g);grid-template-columns:repeat(auto-fill,minmax(min(100%,16rem),1fr))}' +
    '.cards>li{position:relative;border:1px solid var(--_l);border-radius:var(--_r);padding:1em}' +
    '.cards>li:focus-within{outline:3px solid var(--_f);outline-offset:2px}' +
    '.cards [part~=title] a::after{content:"";position:absolute;inset:0}.cards [part~=website]{position:relative;z-index:1}' +
    '.compact>li{padding:.3em 0}.compact article{display:flex;flex-wrap:wrap;gap:0 .75em;align-items:baseline}' +
    '.compact [part~=title]{font-size:1em}.compact .x,.more{display:none}.cards .more{display:block;margin-top:.5em;color:var(--_a);font-weight:600}' +
    'a{color:var(--_a);text-decoration:underline;text-underline-offset:.15em}a:hover{text-decoration-thickness:2px}' +
    'a:focus{outline:3px solid var(--_f);outline-offset:2px;border-radius:2px}a:focus:not(:focus-visible){outline:none}' +
    '[part~=date],[part~=meta],[part~=status],[part~=note]{color:var(--_m)}' +
    '[part~=note]{font-size:.85em;font-weight:400}' +
    '[part~=badge]{display:inline-block;font-weight:700;font-size:.85em;padding:0 .4em;' +
    'border:1px solid currentColor;border-radius:.3em;margin-inline-end:.4em}' +
    '.c{color:var(--_d)}.o{color:var(--_o)}' +
    '[part~=error]{border:2px solid var(--_d);border-radius:var(--_r);padding:.75em 1em;margin:.5em 0}' +
    '[part~=error]:empty,[part~=status]:empty{display:none}' +
    '.vh{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}';

  // ---- small helpers ------------------------------------------------------------
  function h(tag, attrs) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const k in attrs) {
        const v = attrs[k];
        if (v != null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (let i = 2; i < arguments.length; i++) {
      const k = arguments[i];
      if (k != null && k !== '') e.append(k); // strings become text nodes, never HTML
    }
    return e;
  }
  function primary(code) { return String(code || '').split(/[-_]/)[0].toLowerCase(); }
  function fill(s, a) { return s.replace('{0}', a); }
  function short(text, n) {
    const s = String(text || '').replace(/\s+/g, ' ').trim();
    if (s.length <= n) return s;
    const cut = s.slice(0, n);
    const sp = cut.lastIndexOf(' ');
    return (sp > n * 0.6 ? cut.slice(0, sp) : cut).replace(/[\s.,;:–-]+$/, '') + '…';
  }
  const cache = {};
  function memo(key, make) { return cache[key] || (cache[key] = make()); }
  function dtf(loc, opts) {
    return memo('d' + loc + JSON.stringify(opts), function () { return new Intl.DateTimeFormat(loc, opts); });
  }
  function langName(code, ui) {
    try {
      const dn = memo('n' + ui, function () { return new Intl.DisplayNames([ui], { type: 'language' }); });
      return dn.of(code) || code;
    } catch (e) {
      return code;
    }
  }
  function joinList(items, ui) {
    try {
      return memo('l' + ui, function () { return new Intl.ListFormat(ui, { style: 'short', type: 'unit' }); }).format(items);
    } catch (e) {
      return items.join(', ');
    }
  }
  // 'YYYY-MM-DD' of an instant in a time zone.
  function ymd(date, tz) {
    const p = {};
    dtf('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(date).forEach(function (x) { p[x.type] = x.value; });
    return p.year + '-' + p.month + '-' + p.day;
  }
  function weekday(date, tz) {
    const w = dtf('en-US', { timeZone: tz, weekday: 'short' }).format(date);
    return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(w) + 1;
  }
  function isoMinute(ms) { return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'); }
  function enumValue(v) { return v ? v.trim().toUpperCase().replace(/[\s-]+/g, '_') : null; }
  function safeUrl(u) {
    try {
      const x = new URL(u);
      return x.protocol === 'http:' || x.protocol === 'https:' ? x : null;
    } catch (e) {
      return null;
    }
  }

  // The note for a LocalizedText that is not in the UI's language (the Hub had no
  // translation) or was machine-translated, e.g. "(auf Deutsch)"; else null.
  function langNote(lt, ctx) {
    if (!lt) return null;
    const notes = [];
    if (lt.language && primary(lt.language) !== ctx.ui) notes.push(fill(ctx.t.inLang, langName(lt.language, ctx.ui)));
    if (lt.machineTranslated) notes.push(ctx.t.machine);
    return notes.length ? h('small', { part: 'note' }, '(' + notes.join(', ') + ')') : null;
  }
  // The text of a LocalizedText with its `lang` (so that it is pronounced right), and its note.
  function localized(lt, ctx, text) {
    const frag = document.createDocumentFragment();
    if (!lt || !lt.text) return frag;
    frag.append(h('span', { lang: lt.language || null, dir: 'auto' }, text != null ? text : lt.text));
    const note = langNote(lt, ctx);
    if (note) frag.append(' ', note);
    return frag;
  }
  function badge(text, cls, bare) {
    return h('span', { part: 'badge', class: cls }, text, bare ? null : h('span', { class: 'vh' }, ': '));
  }
  function titleLink(href, content, prefix, lt, ctx) {
    const head = h('h' + ctx.level, { part: 'title' });
    if (prefix) head.append(prefix);
    head.append(h('a', { part: 'link', href: href }, content));
    const note = langNote(lt, ctx);
    if (note) head.append(' ', note);
    return head;
  }
  function more(ctx) { return h('span', { class: 'more', part: 'more', 'aria-hidden': 'true' }, ctx.t.more + ' →'); }
  // Texts from the Hub that are not the UI's words (names, addresses) go into <bdi> or
  // dir="auto": in a right-to-left region "… Köpenick e.V." would otherwise be drawn
  // as ".… Köpenick e.V".
  function placeText(l) {
    return [l.name, l.address, [l.postcode, l.locality].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  }
  function languagesLine(list, ctx) {
    const codes = (list || []).map(function (l) { return l.code; }).filter(Boolean);
    if (!codes.length) return null;
    return h('p', { part: 'meta', class: 'x' }, ctx.t.languages + ': ',
      joinList(codes.map(function (c) { return langName(c, ctx.ui); }), ctx.ui));
  }

  // ---- dates ------------------------------------------------------------------
  function dateLine(o, ctx) {
    const p = h('p', { part: 'date' });
    const yearNow = new Date().getFullYear();
    if (o.allDay) {
      const s = String(o.localStart).slice(0, 10);
      const endMs = Date.parse(String(o.localEnd).slice(0, 10) + 'T00:00:00Z') - 864e5; // end is exclusive
      let e = isNaN(endMs) ? s : new Date(endMs).toISOString().slice(0, 10);
      if (e < s) e = s;
      const sd = new Date(s + 'T12:00:00Z');
      const f = dtf(ctx.loc, { timeZone: 'UTC', calendar: 'gregory', weekday: 'short', day: 'numeric', month: 'long',
        year: sd.getUTCFullYear() !== yearNow ? 'numeric' : undefined });
      p.append(h('time', { datetime: s }, f.format(sd)));
      if (e !== s) p.append(' – ', h('time', { datetime: e }, f.format(new Date(e + 'T12:00:00Z'))));
      p.append(' (' + ctx.t.allDay + ')');
      return p;
    }
    const sd = new Date(o.start);
    const ed = new Date(o.end);
    // The Gregorian calendar everywhere (fa would default to the Solar Hijri one).
    const full = dtf(ctx.loc, { timeZone: TZ, calendar: 'gregory', weekday: 'short', day: 'numeric', month: 'long',
      year: sd.getFullYear() !== yearNow ? 'numeric' : undefined, hour: '2-digit', minute: '2-digit' });
    p.append(h('time', { datetime: o.start }, full.format(sd)));
    if (!isNaN(ed) && ed > sd) {
      const same = ymd(sd, TZ) === ymd(ed, TZ);
      const f = same ? dtf(ctx.loc, { timeZone: TZ, hour: '2-digit', minute: '2-digit' }) : full;
      p.append(' – ', h('time', { datetime: o.end }, f.format(ed)));
    }
    return p;
  }

  // Today's hours of a schedule in its own time zone: [[opens, closes], …].
  function todaysHours(s) {
    let tz = s.timezone || TZ;
    const now = new Date();
    let day, wd;
    try {
      day = ymd(now, tz); wd = weekday(now, tz);
    } catch (e) {
      tz = TZ; day = ymd(now, tz); wd = weekday(now, tz);
    }
    const ex = (s.exceptions || []).filter(function (x) { return x.date === day; })[0];
    if (ex) return ex.closed || !ex.opens || !ex.closes ? [] : [[ex.opens, ex.closes]];
    return (s.openingHours || []).filter(function (x) { return x.weekday === wd; })
      .sort(function (a, b) { return a.opens < b.opens ? -1 : 1; })
      .map(function (x) { return [x.opens, x.closes]; });
  }
  function hoursLine(s, ctx) {
    if (!s) return null;
    const spans = todaysHours(s);
    const p = h('p', { part: 'meta' });
    if (s.isOpenAt) p.append(badge(ctx.t.openNow, 'o', true), ' ');
    p.append(spans.length ? ctx.t.openToday : ctx.t.closedToday);
    if (spans.length) {
      p.append(': ');
      spans.forEach(function (x, i) {
        if (i) p.append(', ');
        p.append(h('bdi', null, x[0] + '–' + x[1]));
      });
    }
    return p;
  }

  // ---- the three kinds ----------------------------------------------------------
  function common(el, v) {
    const put = function (k, val) { if (val != null && val !== '') v[k] = val; };
    put('targetGroup', enumValue(el.getAttribute('target-group')));
    put('language', primary(el.getAttribute('language')));
    put('locality', (el.getAttribute('locality') || '').trim());
    return put;
  }
  const KINDS = {
    events: {
      op: 'PartnerEvents',
      field: 'eventOccurrences',
      vars: function (el, limit) {
        const days = Math.min(366, Math.max(1, parseInt(el.getAttribute('days'), 10) || 90));
        const from = Math.floor(Date.now() / 36e5) * 36e5; // the hour: cacheable for an hour
        const v = { from: isoMinute(from), to: isoMinute(from + days * 864e5) };
        const put = common(el, v);
        put('category', enumValue(el.getAttribute('category')));
        put('organisation', (el.getAttribute('organisation') || '').trim());
        v.first = Math.min(100, limit + 5); // some may have ended within the hour
        return v;
      },
      items: function (nodes, limit) {
        const now = Date.now();
        return nodes.filter(function (o) { return o.allDay || Date.parse(o.end) > now; }).slice(0, limit);
      },
      render: function (o, ctx) {
        const ev = o.event || {};
        const cancelled = o.status === 'CANCELLED' || ev.status === 'CANCELLED';
        const tl = ev.titleLocalized && ev.titleLocalized.text === o.title ? ev.titleLocalized : { text: o.title };
        let prefix = null;
        if (cancelled) prefix = badge(ctx.t.cancelled, 'c');
        else if (o.status === 'TENTATIVE' || ev.status === 'TENTATIVE') prefix = badge(ctx.t.tentative);
        let title = h('span', { lang: tl.language || null, dir: 'auto' }, o.title);
        if (cancelled) title = h('del', null, title);
        const head = titleLink(ctx.hub + '/events/' + encodeURIComponent(ev.id), title, prefix, tl, ctx);
        const art = h('article', null, head, dateLine(o, ctx));
        if (ev.organisation) art.append(h('p', { part: 'meta' }, h('bdi', null, ev.organisation.name)));
        const where = ev.location ? placeText(ev.location) : ev.place;
        if (where) art.append(h('address', { part: 'address', class: 'x' }, h('bdi', null, where)));
        else if (ev.onlineUrl) art.append(h('p', { part: 'meta', class: 'x' }, ctx.t.online));
        art.append(languagesLine(ev.languages, ctx) || '', more(ctx));
        return art;
      }
    },
    services: {
      op: 'PartnerServices',
      field: 'services',
      vars: function (el, limit) {
        const v = { now: isoMinute(Math.floor(Date.now() / 6e4) * 6e4) };
        const put = common(el, v);
        put('category', enumValue(el.getAttribute('category')));
        put('organisation', (el.getAttribute('organisation') || '').trim());
        v.first = limit;
        return v;
      },
      items: function (nodes, limit) { return nodes.slice(0, limit); },
      render: function (s, ctx) {
        const nl = s.nameLocalized || { text: '' };
        const name = h('span', { lang: nl.language || null, dir: 'auto' }, nl.text);
        const head = titleLink(ctx.hub + '/services/' + encodeURIComponent(s.id), name, null, nl, ctx);
        const art = h('article', null, head);
        if (s.organisation) art.append(h('p', { part: 'meta' }, h('bdi', null, s.organisation.name)));
        const hours = hoursLine(s.schedule, ctx);
        if (hours) art.append(hours);
        if (s.descriptionLocalized) {
          art.append(h('p', { class: 'x' }, localized(s.descriptionLocalized, ctx,
            short(s.descriptionLocalized.text, 200))));
        }
        art.append(languagesLine(s.languages, ctx) || '');
        const flags = [];
        if (s.free) flags.push(ctx.t.free);
        if (s.appointmentRequired) flags.push(ctx.t.appointment);
        if (flags.length) art.append(h('p', { part: 'meta', class: 'x' }, flags.join(' · ')));
        ((s.locations && s.locations.nodes) || []).forEach(function (l) {
          const ad = h('address', { part: 'address', class: 'x' }, h('bdi', null, placeText(l)));
          const acc = l.accessibility || {};
          const bits = h('span');
          if (acc.wheelchairAccessible === true) bits.append(ctx.t.wheelchair);
          if (acc.wheelchairAccessible === false) bits.append(ctx.t.noWheelchair);
          if (acc.noteLocalized && acc.noteLocalized.text) {
            if (bits.childNodes.length) bits.append('. ');
            bits.append(localized(acc.noteLocalized, ctx));
          }
          if (bits.childNodes.length) ad.append(h('br'), bits);
          art.append(ad);
        });
        art.append(more(ctx));
        return art;
      }
    },
    organisations: {
      op: 'PartnerOrganisations',
      field: 'organisations',
      vars: function (el, limit) {
        const v = {};
        const put = function (k, val) { if (val != null && val !== '') v[k] = val; };
        put('topic', enumValue(el.getAttribute('topic') || el.getAttribute('category')));
        put('locality', (el.getAttribute('locality') || '').trim());
        // No target-group filter on the server: filtered here, from a larger page.
        v.first = el.getAttribute('target-group') ? 100 : limit;
        return v;
      },
      items: function (nodes, limit, el) {
        const tg = enumValue(el.getAttribute('target-group'));
        return nodes.filter(function (o) {
          return !tg || (o.interests && (o.interests.targetGroups || []).indexOf(tg) >= 0);
        }).slice(0, limit);
      },
      render: function (o, ctx) {
        const name = h('span', { dir: 'auto' }, o.name);
        const head = titleLink(ctx.hub + '/organisations/' + encodeURIComponent(o.slug || o.id), name, null, null, ctx);
        const art = h('article', null, head);
        if (o.alternateName && o.alternateName !== o.name) art.append(h('p', { part: 'meta', dir: 'auto' }, o.alternateName));
        if (o.descriptionLocalized) {
          art.append(h('p', { class: 'x' }, localized(o.descriptionLocalized, ctx,
            short(o.descriptionLocalized.text, 180))));
        }
        const places = [];
        ((o.locations && o.locations.nodes) || []).forEach(function (l) {
          if (l.locality && places.indexOf(l.locality) < 0) places.push(l.locality);
        });
        if (places.length) art.append(h('p', { part: 'meta' }, joinList(places, ctx.ui)));
        const site = o.website && safeUrl(o.website);
        if (site) {
          art.append(h('p', { part: 'meta', class: 'x' }, ctx.t.website + ': ',
            h('a', { part: 'link website', href: site.href, dir: 'ltr' }, site.hostname.replace(/^www\./, ''))));
        }
        art.append(more(ctx));
        return art;
      }
    }
  };

  // ---- the element -----------------------------------------------------------------
  const ATTRS = ['api-key', 'lang', 'category', 'target-group', 'language', 'locality', 'limit',
    'layout', 'hub', 'organisation', 'topic', 'days', 'heading', 'heading-level'];

  class NetzwerkElement extends HTMLElement {
    static get observedAttributes() { return ATTRS; }

    constructor() {
      super();
      const root = this.attachShadow({ mode: 'open' });
      this._heading = h('h2', { id: 'h', part: 'heading' });
      this._level = 2;
      this._status = h('p', { role: 'status', part: 'status' });
      this._alert = h('div', { role: 'alert', part: 'error' });
      this._body = h('div');
      this._region = h('section', { part: 'region', 'aria-labelledby': 'h' },
        this._heading, this._status, this._alert, this._body);
      root.append(h('style', null, CSS), this._region);
      this._seq = 0;
      this._cache = null;
    }

    connectedCallback() {
      if (this._ownDir === undefined) this._ownDir = !this.hasAttribute('dir');
      this._schedule();
    }

    disconnectedCallback() {
      this._stop();
    }

    attributeChangedCallback(name, was, now) {
      if (was !== now && this.isConnected) this._schedule();
    }

    /** Loads again (the browser's HTTP cache may answer). */
    refresh() {
      this._cache = null;
      this._schedule();
    }

    _stop() {
      this._seq++;
      clearTimeout(this._retry);
      if (this._ac) this._ac.abort();
      this._ac = null;
    }

    _schedule() {
      if (this._queued) return;
      this._queued = true;
      Promise.resolve().then(() => {
        this._queued = false;
        if (this.isConnected) this._update();
      });
    }

    _context() {
      const own = this.getAttribute('lang');
      const near = own || (this.closest('[lang]') && this.closest('[lang]').getAttribute('lang')) ||
        document.documentElement.lang || 'de';
      const want = primary(near);
      const ui = STRINGS[want] ? want : 'de';
      const layout = this.getAttribute('layout');
      const level = Math.min(5, Math.max(1, parseInt(this.getAttribute('heading-level'), 10) || 2));
      return {
        level: level + 1,
        ui: ui,
        want: want,
        loc: ui,
        t: strings(ui),
        hub: hubBase((this.getAttribute('hub') || '').trim()),
        layout: ['list', 'cards', 'compact'].indexOf(layout) >= 0 ? layout : 'list',
        limit: Math.min(100, Math.max(1, parseInt(this.getAttribute('limit'), 10) || 10))
      };
    }

    _update() {
      const ctx = this._context();
      const kind = KINDS[this.constructor.kind];
      const rtl = RTL.indexOf(ctx.ui) >= 0 ? 'rtl' : 'ltr';
      this._region.setAttribute('lang', ctx.ui);
      this._region.setAttribute('dir', rtl);
      if (this._ownDir) this.setAttribute('dir', rtl);
      if (this._level !== ctx.level - 1) {
        // The region's heading fits the page's outline (heading-level, default 2).
        const hd = h('h' + (ctx.level - 1), { id: 'h', part: 'heading' });
        this._heading.replaceWith(hd);
        this._heading = hd;
        this._level = ctx.level - 1;
      }
      this._heading.textContent = this.getAttribute('heading') || ctx.t[this.constructor.kind];

      if (!ctx.hub || !/^[0-9a-f]{64}$/.test(HASH)) {
        this._stop();
        return this._fail(ctx, 'errSetup', ctx.hub
          ? 'Load netzwerk.js from the Hub: <script src="https://HUB/embed/netzwerk.js">.'
          : 'The Hub\u2019s address is unknown: set the hub attribute.');
      }
      const langs = [ctx.want];
      if (ctx.ui !== ctx.want) langs.push(ctx.ui);
      const v = kind.vars(this, ctx.limit);
      if (/^[a-z]{2,3}$/.test(ctx.want)) v.languages = langs;
      else v.languages = [ctx.ui];
      const apiKey = (this.getAttribute('api-key') || '').trim();
      // What decides the answer, apart from the clock: unchanged means only the layout
      // or the heading changed, so the last answer is drawn again.
      const sameVars = Object.assign({}, v);
      delete sameVars.now; delete sameVars.from; delete sameVars.to;
      const key = JSON.stringify([ctx.hub, apiKey, kind.op, sameVars, this.getAttribute('days')]);
      if (this._cache && this._cache.key === key) {
        this._stop();
        return this._show(ctx, this._cache.data);
      }
      const url = ctx.hub + '/graphql?operationName=' + kind.op +
        '&variables=' + encodeURIComponent(JSON.stringify(v)) +
        '&extensions=' + encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: HASH } }));
      this._load(ctx, url, key, apiKey, false);
    }

    async _load(ctx, url, key, apiKey, retried) {
      this._stop();
      const seq = this._seq;
      const ac = typeof AbortController === 'function' ? new AbortController() : null;
      this._ac = ac;
      this._region.setAttribute('aria-busy', 'true');
      this._status.textContent = ctx.t.loading;
      const headers = { Accept: 'application/json' };
      if (apiKey) headers['X-Api-Key'] = apiKey;
      const timer = setTimeout(function () { if (ac) ac.abort(); }, 20000);
      let res = null;
      let body = null;
      try {
        res = await fetch(url, { headers: headers, signal: ac ? ac.signal : undefined, credentials: 'omit', mode: 'cors' });
        try { body = await res.json(); } catch (e) { body = null; }
      } catch (e) {
        res = null;
      }
      clearTimeout(timer);
      if (seq !== this._seq) return; // replaced by a newer request
      this._ac = null;
      if (!res) return this._fail(ctx, 'errNet');
      const errors = body && Array.isArray(body.errors) ? body.errors : [];
      const first = errors[0] || {};
      const message = typeof first.message === 'string' ? first.message : '';
      if (res.status === 429 || res.status === 503) {
        this._fail(ctx, res.status === 429 ? 'errRate' : 'errNet');
        if (!retried) {
          // Retry-After is only readable when the Hub exposes it (CORS); the error says it too.
          let wait = parseInt(res.headers.get('Retry-After'), 10);
          if (isNaN(wait)) wait = Number(first.extensions && first.extensions.retryAfterSeconds);
          if (!(wait >= 0)) wait = 30;
          wait = Math.min(300, Math.max(1, wait));
          this._retry = setTimeout(() => {
            if (this.isConnected) this._load(ctx, url, key, apiKey, true);
          }, wait * 1000);
        }
        return;
      }
      if (res.status === 401 || res.status === 403) return this._fail(ctx, 'errAuth', message);
      const conn = body && body.data && body.data[KINDS[this.constructor.kind].field];
      if (!res.ok || !conn) return this._fail(ctx, 'errOther', message);
      this._cache = { key: key, data: conn };
      this._show(ctx, conn);
    }

    _fail(ctx, what, detail) {
      this._region.setAttribute('aria-busy', 'false');
      this._status.textContent = '';
      this._body.textContent = '';
      this._alert.textContent = '';
      this._alert.append(h('p', null, ctx.t[what]));
      // The Hub's messages are English.
      if (detail) this._alert.append(h('p', { part: 'note', lang: 'en', dir: 'ltr' }, detail));
    }

    _show(ctx, conn) {
      const kind = KINDS[this.constructor.kind];
      const items = kind.items(conn.nodes || [], ctx.limit, this);
      this._alert.textContent = '';
      this._status.textContent = '';
      this._body.textContent = '';
      if (!items.length) {
        this._body.append(h('p', { part: 'empty' }, ctx.t.empty));
      } else {
        const ul = h('ul', { part: 'list', class: ctx.layout });
        items.forEach(function (it) {
          try {
            ul.append(h('li', { part: 'item' }, kind.render(it, ctx)));
          } catch (e) {
            // one odd entry does not hide the others
          }
        });
        this._body.append(ul);
      }
      this._region.setAttribute('aria-busy', 'false');
    }
  }

  [['netzwerk-events', 'events'], ['netzwerk-services', 'services'],
    ['netzwerk-organisations', 'organisations']].forEach(function (d) {
    if (customElements.get(d[0])) return;
    customElements.define(d[0], class extends NetzwerkElement {
      static get kind() { return d[1]; }
    });
  });
})();
