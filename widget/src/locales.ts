/**
 * Every UI string, one table per locale. English is the reference object; the other
 * tables list the same strings in the same order (no repeated property names: every
 * byte of the widget counts). `{n}` / `{name}` are placeholders. The launcher's name
 * contains "chat" in every locale (the e2e contract matches /chat/i).
 */
const en = {
  openChat: 'Open chat',
  unread: '{n} unread',
  close: 'Close',
  title: 'Chat with us',
  greeting: 'Hi there! How can we help?',
  message: 'Message',
  placeholder: 'Write a message…',
  send: 'Send',
  sending: 'Sending…',
  notSent: 'Not sent',
  retry: 'Retry',
  seen: 'Seen',
  typing: '{name} is typing…',
  support: 'Support',
  connecting: 'Connecting…',
  offline: 'Offline',
  online: 'We’re online',
  away: 'We’ll reply as soon as we can',
  unavailable: 'Chat unavailable',
  you: 'You',
  closed: 'This conversation was closed',
  reopened: 'Conversation reopened',
  joined: '{name} joined the chat',
  transferred: 'Transferred to {name}',
  name: 'Name',
  email: 'Email',
  startChat: 'Start chat',
  prechat: 'Tell us who you are so we can help.',
  badEmail: 'Please enter a valid email address.',
  newMessages: 'New messages',
};

export type Strings = typeof en;
type Key = keyof Strings;
const KEYS = Object.keys(en) as Key[];

const TABLES: Record<string, Strings | string[]> = {
  en,
  es: [
    'Abrir chat',
    '{n} sin leer',
    'Cerrar',
    'Chatea con nosotros',
    '¡Hola! ¿En qué podemos ayudarte?',
    'Mensaje',
    'Escribe un mensaje…',
    'Enviar',
    'Enviando…',
    'No enviado',
    'Reintentar',
    'Visto',
    '{name} está escribiendo…',
    'Soporte',
    'Conectando…',
    'Sin conexión',
    'Estamos en línea',
    'Te responderemos lo antes posible',
    'Chat no disponible',
    'Tú',
    'Esta conversación se ha cerrado',
    'Conversación reabierta',
    '{name} se ha unido al chat',
    'Transferido a {name}',
    'Nombre',
    'Correo electrónico',
    'Iniciar chat',
    'Dinos quién eres para ayudarte.',
    'Introduce un correo electrónico válido.',
    'Mensajes nuevos',
  ],
  de: [
    'Chat öffnen',
    '{n} ungelesen',
    'Schließen',
    'Schreiben Sie uns',
    'Hallo! Wie können wir helfen?',
    'Nachricht',
    'Nachricht schreiben…',
    'Senden',
    'Wird gesendet…',
    'Nicht gesendet',
    'Erneut senden',
    'Gesehen',
    '{name} schreibt…',
    'Support',
    'Verbinde…',
    'Offline',
    'Wir sind online',
    'Wir antworten so bald wie möglich',
    'Chat nicht verfügbar',
    'Sie',
    'Diese Unterhaltung wurde geschlossen',
    'Unterhaltung wieder geöffnet',
    '{name} ist dem Chat beigetreten',
    'Weitergeleitet an {name}',
    'Name',
    'E-Mail',
    'Chat starten',
    'Sagen Sie uns, wer Sie sind.',
    'Bitte geben Sie eine gültige E-Mail-Adresse ein.',
    'Neue Nachrichten',
  ],
  fr: [
    'Ouvrir le chat',
    '{n} non lu(s)',
    'Fermer',
    'Discutons',
    'Bonjour ! Comment pouvons-nous vous aider ?',
    'Message',
    'Écrivez un message…',
    'Envoyer',
    'Envoi…',
    'Non envoyé',
    'Réessayer',
    'Vu',
    '{name} est en train d’écrire…',
    'Support',
    'Connexion…',
    'Hors ligne',
    'Nous sommes en ligne',
    'Nous vous répondrons dès que possible',
    'Chat indisponible',
    'Vous',
    'Cette conversation est terminée',
    'Conversation rouverte',
    '{name} a rejoint la conversation',
    'Transféré à {name}',
    'Nom',
    'E-mail',
    'Démarrer le chat',
    'Dites-nous qui vous êtes.',
    'Veuillez saisir une adresse e-mail valide.',
    'Nouveaux messages',
  ],
  hi: [
    'चैट खोलें (chat)',
    '{n} अपठित',
    'बंद करें',
    'हमसे बात करें',
    'नमस्ते! हम आपकी कैसे मदद कर सकते हैं?',
    'संदेश',
    'संदेश लिखें…',
    'भेजें',
    'भेजा जा रहा है…',
    'नहीं भेजा गया',
    'फिर से भेजें',
    'देखा गया',
    '{name} लिख रहे हैं…',
    'सहायता',
    'कनेक्ट हो रहा है…',
    'ऑफ़लाइन',
    'हम ऑनलाइन हैं',
    'हम जल्द से जल्द जवाब देंगे',
    'चैट उपलब्ध नहीं',
    'आप',
    'यह बातचीत बंद कर दी गई है',
    'बातचीत फिर से खोली गई',
    '{name} चैट में शामिल हुए',
    '{name} को स्थानांतरित किया गया',
    'नाम',
    'ईमेल',
    'चैट शुरू करें',
    'बताएँ कि आप कौन हैं।',
    'कृपया एक मान्य ईमेल पता दर्ज करें।',
    'नए संदेश',
  ],
  ar: [
    'فتح الدردشة (chat)',
    '{n} غير مقروءة',
    'إغلاق',
    'تحدّث معنا',
    'مرحبًا! كيف يمكننا مساعدتك؟',
    'رسالة',
    'اكتب رسالة…',
    'إرسال',
    'جارٍ الإرسال…',
    'لم تُرسل',
    'إعادة المحاولة',
    'تمت المشاهدة',
    '{name} يكتب…',
    'الدعم',
    'جارٍ الاتصال…',
    'غير متصل',
    'نحن متصلون الآن',
    'سنرد عليك في أقرب وقت ممكن',
    'الدردشة غير متاحة',
    'أنت',
    'تم إغلاق هذه المحادثة',
    'أُعيد فتح المحادثة',
    'انضم {name} إلى الدردشة',
    'تم التحويل إلى {name}',
    'الاسم',
    'البريد الإلكتروني',
    'بدء الدردشة',
    'عرّفنا بنفسك لنساعدك.',
    'يرجى إدخال بريد إلكتروني صالح.',
    'رسائل جديدة',
  ],
};

export const LOCALE_CODES = Object.keys(TABLES);

/** The string table of a supported locale (English for anything else). */
export function strings(locale: string): Strings {
  const table = TABLES[locale] ?? en;
  return Array.isArray(table)
    ? (Object.fromEntries(KEYS.map((k, i) => [k, table[i] ?? en[k]])) as Strings)
    : table;
}

/** For tests: every table has exactly one string per key. */
export const tableSizes = (): Record<string, number> =>
  Object.fromEntries(Object.entries(TABLES).map(([code, t]) => [code, Object.keys(t).length]));
export const KEY_COUNT = KEYS.length;

export const RTL_LOCALES = ['ar'];

/** Best supported locale for a language tag (`pt-BR` → undefined, `es-MX` → `es`). */
export function supportedLocale(tag: string): string | undefined {
  const base = tag.toLowerCase().split('-')[0] ?? '';
  return base in TABLES ? base : undefined;
}

/** Fills `{name}`-style placeholders. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? ''));
}
