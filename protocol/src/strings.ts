/**
 * The widget's UI strings, one `|`-separated table per locale, in `WIDGET_KEYS` order
 * (split once at run time: quotes and property names per string would cost bytes in
 * widget.js). `{n}` / `{name}` are placeholders. The launcher's name contains "chat" in
 * every locale (the e2e contract matches /chat/i).
 *
 * English is built into widget.js (it must open with nothing else reachable); the other
 * tables stay on the server and reach the widget through `GET /api/widget/strings/:locale`,
 * which the widget caches in the page's storage. Import only `WIDGET_EN` and
 * `WIDGET_LOCALES` in the widget: `WIDGET_TABLES` is the server's.
 */

/** Supported locales, in the order documented for `data-locale`. */
export const WIDGET_LOCALES = ['en', 'es', 'de', 'fr', 'hi', 'ar'];

/** Locales written right to left. */
export const RTL_LOCALES = ['ar'];

export const WIDGET_KEYS =
  'openChat unread title newMessages close greeting message placeholder send sending notSent retry seen typing support connecting offline online away unavailable you closed reopened joined transferred name email startChat prechat badEmail awayNote earlier queue wait rate comment sendRating rated attach transcript mailTranscript mailed';

export const WIDGET_EN =
  'Open chat|{n} unread|Chat with us|New messages|Close|Hi there! How can we help?|Message|Write a message…|Send|Sending…|Not sent|Retry|Seen|{name} is typing…|Support|Connecting…|Offline|We’re online|We’ll reply as soon as we can|Chat unavailable|You|This conversation was closed|Conversation reopened|{name} joined the chat|Transferred to {name}|Name|Email|Start chat|Tell us who you are so we can help.|Enter a valid email address.|We’re away. Leave a message and we’ll reply here.|Earlier messages|You are number {n} in the queue|about {n} min|Rate this conversation|Comment|Send rating|You rated this chat {n}/5. Thank you!|Attach file|Download transcript|Email transcript|Transcript sent by email';

export const WIDGET_TABLES: Record<string, string> = {
  en: WIDGET_EN,
  es: 'Abrir chat|{n} sin leer|Chatea con nosotros|Mensajes nuevos|Cerrar|¡Hola! ¿En qué podemos ayudarte?|Mensaje|Escribe un mensaje…|Enviar|Enviando…|No enviado|Reintentar|Visto|{name} está escribiendo…|Soporte|Conectando…|Sin conexión|Estamos en línea|Te responderemos lo antes posible|Chat no disponible|Tú|Esta conversación se ha cerrado|Conversación reabierta|{name} se ha unido al chat|Transferido a {name}|Nombre|Correo electrónico|Iniciar chat|Dinos quién eres para ayudarte.|Introduce un correo válido.|No estamos. Deja un mensaje y te responderemos aquí.|Mensajes anteriores|Eres el número {n} en la cola|unos {n} min|Valora esta conversación|Comentario|Enviar valoración|Has valorado este chat con {n}/5. ¡Gracias!|Adjuntar archivo|Descargar la conversación|Enviar la conversación por correo|Conversación enviada por correo',
  de: 'Chat öffnen|{n} ungelesen|Schreiben Sie uns|Neue Nachrichten|Schließen|Hallo! Wie können wir helfen?|Nachricht|Nachricht schreiben…|Senden|Wird gesendet…|Nicht gesendet|Erneut senden|Gesehen|{name} schreibt…|Support|Verbinde…|Offline|Wir sind online|Wir antworten so bald wie möglich|Chat nicht verfügbar|Sie|Diese Unterhaltung wurde geschlossen|Unterhaltung wieder geöffnet|{name} ist dem Chat beigetreten|Weitergeleitet an {name}|Name|E-Mail|Chat starten|Sagen Sie uns, wer Sie sind.|Bitte eine gültige E-Mail eingeben.|Wir sind nicht da. Schreiben Sie uns, wir antworten hier.|Ältere Nachrichten|Sie sind Nummer {n} in der Warteschlange|etwa {n} Min.|Bewerten Sie diese Unterhaltung|Kommentar|Bewertung senden|Sie haben diesen Chat mit {n}/5 bewertet. Danke!|Datei anhängen|Verlauf herunterladen|Verlauf per E-Mail senden|Verlauf per E-Mail gesendet',
  fr: 'Ouvrir le chat|{n} non lu(s)|Discutons|Nouveaux messages|Fermer|Bonjour ! Comment pouvons-nous vous aider ?|Message|Écrivez un message…|Envoyer|Envoi…|Non envoyé|Réessayer|Vu|{name} est en train d’écrire…|Support|Connexion…|Hors ligne|Nous sommes en ligne|Nous vous répondrons dès que possible|Chat indisponible|Vous|Cette conversation est terminée|Conversation rouverte|{name} a rejoint la conversation|Transféré à {name}|Nom|E-mail|Démarrer le chat|Dites-nous qui vous êtes.|Saisissez un e-mail valide.|Nous sommes absents. Laissez un message, nous répondrons ici.|Messages précédents|Vous êtes numéro {n} dans la file d’attente|environ {n} min|Notez cette conversation|Commentaire|Envoyer la note|Vous avez noté ce chat {n}/5. Merci !|Joindre un fichier|Télécharger la conversation|Recevoir la conversation par e-mail|Conversation envoyée par e-mail',
  hi: 'चैट खोलें (chat)|{n} अपठित|हमसे बात करें|नए संदेश|बंद करें|नमस्ते! हम आपकी कैसे मदद कर सकते हैं?|संदेश|संदेश लिखें…|भेजें|भेजा जा रहा है…|नहीं भेजा गया|फिर से भेजें|देखा गया|{name} लिख रहे हैं…|सहायता|कनेक्ट हो रहा है…|ऑफ़लाइन|हम ऑनलाइन हैं|हम जल्द से जल्द जवाब देंगे|चैट उपलब्ध नहीं|आप|यह बातचीत बंद कर दी गई है|बातचीत फिर से खोली गई|{name} चैट में शामिल हुए|{name} को स्थानांतरित किया गया|नाम|ईमेल|चैट शुरू करें|बताएँ कि आप कौन हैं।|मान्य ईमेल दर्ज करें।|हम अभी नहीं हैं। संदेश छोड़ें, हम यहीं जवाब देंगे।|पिछले संदेश|कतार में आपका नंबर {n} है|लगभग {n} मिनट|इस बातचीत को रेट करें|टिप्पणी|रेटिंग भेजें|आपने इस चैट को {n}/5 दिया। धन्यवाद!|फ़ाइल संलग्न करें|बातचीत डाउनलोड करें|बातचीत ईमेल करें|बातचीत ईमेल से भेज दी गई',
  ar: 'فتح الدردشة (chat)|{n} غير مقروءة|تحدّث معنا|رسائل جديدة|إغلاق|مرحبًا! كيف يمكننا مساعدتك؟|رسالة|اكتب رسالة…|إرسال|جارٍ الإرسال…|لم تُرسل|إعادة المحاولة|تمت المشاهدة|{name} يكتب…|الدعم|جارٍ الاتصال…|غير متصل|نحن متصلون الآن|سنرد عليك في أقرب وقت ممكن|الدردشة غير متاحة|أنت|تم إغلاق هذه المحادثة|أُعيد فتح المحادثة|انضم {name} إلى الدردشة|تم التحويل إلى {name}|الاسم|البريد الإلكتروني|بدء الدردشة|عرّفنا بنفسك لنساعدك.|أدخل بريدًا إلكترونيًا صالحًا.|نحن غير متاحين. اترك رسالة وسنرد هنا.|رسائل سابقة|أنت رقم {n} في قائمة الانتظار|حوالي {n} دقيقة|قيّم هذه المحادثة|تعليق|إرسال التقييم|لقد قيّمت هذه الدردشة {n}/5. شكرًا لك!|إرفاق ملف|تنزيل المحادثة|إرسال المحادثة بالبريد الإلكتروني|أُرسلت المحادثة إلى بريدك الإلكتروني',
};
