/**
 * An XSS corpus for the end-to-end XSS test (issue 17). Every payload, if it ever ran, would
 * set `window.__pwned` (or `top.__pwned` / `parent.__pwned` from a frame), which the test traps.
 * Payloads that only fire on an interaction (hover, click, focus) are caught by the DOM check
 * instead: a message must never turn into elements.
 *
 * Plus the Big List of Naughty Strings (npm `big-list-of-naughty-strings`, the upstream
 * blns.json by Max Woolf): its XSS lines call `alert()`, which the test's dialog trap catches.
 */
import { createRequire } from 'node:module';

const RLO = '\u202E';
const PDF = '\u202C';
const ZWSP = '\u200B';

export const XSS_PAYLOADS: readonly string[] = [
  // Script tags
  '<script>window.__pwned=1</script>',
  '<SCRIPT>top.__pwned=1</SCRIPT>',
  '<script src=data:text/javascript,top.__pwned=1></script>',
  '<script>top.__pwned=1//',
  '"><script>top.__pwned=1</script>',
  "'><script>top.__pwned=1</script>",
  '</script><script>top.__pwned=1</script>',
  '<scr<script>ipt>top.__pwned=1</scr</script>ipt>',
  '<![CDATA[<script>top.__pwned=1</script>]]>',
  '<template><script>top.__pwned=1</script></template><script>top.__pwned=1</script>',
  // Breaking out of the element a text might be put in
  '</textarea><script>top.__pwned=1</script>',
  '</textarea><img src=x onerror=top.__pwned=1>',
  '</title><script>top.__pwned=1</script>',
  '</style><img src=x onerror=top.__pwned=1>',
  '</div></div></div></main><img src=x onerror=top.__pwned=1>',
  '<!--<img src="--><img src=x onerror=top.__pwned=1//">',
  '<xmp><img src=x onerror=top.__pwned=1></xmp>',
  '<noscript><p title="</noscript><img src=x onerror=top.__pwned=1>">',
  '<math><mtext><table><mglyph><style><img src=x onerror=top.__pwned=1>',
  '<plaintext><img src=x onerror=top.__pwned=1>',
  // img onerror and friends
  '<img src=x onerror=top.__pwned=1>',
  '<img src="x" onerror="window.__pwned=1">',
  '<IMG SRC=x OnErRoR=top.__pwned=1>',
  '<img/src=x/onerror=top.__pwned=1>',
  '<img src=x onerror=top.__pwned=1 ',
  "<img src=x onerror=top['__pw'+'ned']=1>",
  '<img src=x onerror="\\u0074op.__pwned=1">',
  '<img srcset=x onerror=top.__pwned=1>',
  '<audio src=x onerror=top.__pwned=1>',
  '<video><source onerror=top.__pwned=1></video>',
  // svg
  '<svg onload=top.__pwned=1>',
  '<svg/onload=top.__pwned=1//',
  '<svg><script>top.__pwned=1</script></svg>',
  '<svg><animate onbegin=top.__pwned=1 attributeName=x dur=1s>',
  '<svg><set attributeName=onmouseover to=top.__pwned=1>',
  '<svg><a xlink:href="javascript:top.__pwned=1"><text x="20" y="20">click</text></a></svg>',
  // Other event handlers in attributes
  '<body onload=top.__pwned=1>',
  '<input autofocus onfocus=top.__pwned=1>',
  '<details open ontoggle=top.__pwned=1>',
  '<marquee onstart=top.__pwned=1>',
  '<x onclick=top.__pwned=1>click</x>',
  '<div onpointerover=top.__pwned=1 style=position:fixed;inset:0>hover</div>',
  '" autofocus onfocus="top.__pwned=1',
  "' onmouseover='top.__pwned=1",
  // Frames, objects
  '<iframe src="javascript:parent.__pwned=1"></iframe>',
  '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
  '<iframe srcdoc="&lt;img src=x onerror=parent.__pwned=1&gt;"></iframe>',
  '<object data="javascript:parent.__pwned=1"></object>',
  '<embed src="javascript:parent.__pwned=1">',
  // javascript: and data: URLs, also as markdown-ish links (the widget linkifies URLs)
  'javascript:top.__pwned=1',
  'JaVaScRiPt:top.__pwned=1',
  '<a href="javascript:top.__pwned=1">click me</a>',
  '<a href="jav&#x09;ascript:top.__pwned=1">tab</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;top.__pwned=1">entities</a>',
  '<a href="data:text/html,<script>parent.__pwned=1</script>">data link</a>',
  'data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0xPC9zY3JpcHQ+',
  '[click here](javascript:top.__pwned=1)',
  '[https://example.com](javascript:top.__pwned=1)',
  '[www.example.com](javascript:top.__pwned=1 "title")',
  'https://example.com/"onmouseover="top.__pwned=1',
  "https://example.com/'onfocus='top.__pwned=1'autofocus='",
  'https://example.com/<img src=x onerror=top.__pwned=1>',
  'https://example.com/?q=<script>top.__pwned=1</script>',
  'www.example.com/"><svg onload=top.__pwned=1>',
  'https://javascript:top.__pwned=1@example.com/',
  'https://example.com/#javascript:top.__pwned=1',
  // Forms, meta, base
  '<form action="javascript:top.__pwned=1"><button>go</button></form>',
  '<button formaction="javascript:top.__pwned=1">go</button>',
  '<meta http-equiv="refresh" content="0;url=javascript:top.__pwned=1">',
  '<base href="javascript:top.__pwned=1//">',
  // CSS
  '<div style="width:expression(top.__pwned=1)">',
  '<div style="background:url(javascript:top.__pwned=1)">',
  "<style>@import 'javascript:top.__pwned=1';</style>",
  '<style>*{background:url("javascript:top.__pwned=1")}</style>',
  '<link rel=stylesheet href="javascript:top.__pwned=1">',
  // Entity-, percent- and escape-encoded variants (they must show as written)
  '&lt;script&gt;top.__pwned=1&lt;/script&gt;',
  '&#60;img src=x onerror=top.__pwned=1&#62;',
  '<img src=x onerror=&#116;&#111;&#112;&#46;&#95;&#95;&#112;&#119;&#110;&#101;&#100;&#61;&#49;>',
  '<img src=x onerror=&#x74;&#x6f;&#x70;.__pwned=1>',
  '%3Cscript%3Etop.__pwned%3D1%3C%2Fscript%3E',
  '\\u003cscript\\u003etop.__pwned=1\\u003c/script\\u003e',
  '\\x3cscript\\x3etop.__pwned=1\\x3c/script\\x3e',
  // Template and string injections
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection, meant literally
  '${top.__pwned=1}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection, meant literally
  '`${top.__pwned=1}`',
  "{{constructor.constructor('top.__pwned=1')()}}",
  "{{$on.constructor('top.__pwned=1')()}}",
  '<%= top.__pwned=1 %>',
  '#{top.__pwned=1}',
  "';top.__pwned=1;//",
  '";top.__pwned=1;//',
  '\\";top.__pwned=1;//',
  // Unicode tricks: fullwidth brackets, RTL override, zero-width space
  '＜script＞top.__pwned=1＜/script＞',
  `${RLO}<img src=x onerror=top.__pwned=1>${PDF}`,
  `${RLO}gpj.exe<svg onload=top.__pwned=1>`,
  `<scr${ZWSP}ipt>top.__pwned=1</scr${ZWSP}ipt>`,
];

/** The Big List of Naughty Strings, without its empty and whitespace-only lines (nothing to send). */
export const NAUGHTY_STRINGS: readonly string[] = (
  createRequire(import.meta.url)('big-list-of-naughty-strings') as string[]
).filter((s) => s.trim() !== '');

/**
 * Packs strings into messages of at most `maxChars` (the server's limit is 4000 characters),
 * one string a line, each message headed by `label n/m` (so none starts or ends with blanks the
 * server would trim, and each is found by its first line).
 */
export function pack(label: string, strings: readonly string[], maxChars = 3500): string[] {
  const groups: string[][] = [[]];
  let size = 0;
  for (const s of strings) {
    if (s.length + 1 > maxChars - 100) throw new Error(`a corpus string is too long: ${s.slice(0, 40)}`);
    const group = groups.at(-1) as string[];
    if (size + s.length + 1 > maxChars - 100 && group.length > 0) {
      groups.push([s]);
      size = s.length + 1;
    } else {
      group.push(s);
      size += s.length + 1;
    }
  }
  return groups.map((g, i) => [`${label} ${i + 1}/${groups.length}`, ...g, `${label} end`].join('\n'));
}
