import type { Plugin } from 'vite';

/**
 * Preact's paths the widget never takes, cut out of `preact/dist/preact.module.js` at build
 * (widget/README.md, Size). The widget renders function components only, through our own hooks
 * (`ui/hooks.ts`), into a fresh shadow root: no class components (lifecycles, `setState`
 * callbacks or updater functions, `forceUpdate`), no context, no error boundaries or Suspense
 * (an exception in a render is thrown either way), no `defaultProps`, no
 * `dangerouslySetInnerHTML`, no MathML, `<template>`, `foreignObject`, `is`, `checked`,
 * `defaultValue`, `<option>`, no numeric style values (only `--custom` properties) and none of
 * the properties Preact sets as attributes but `width`, `height`, `href` and `role`.
 *
 * Each cut is an exact piece of the pinned version's file (10.29): one that is not found
 * exactly once fails the build, so a Preact upgrade cannot pass with a cut silently missing.
 * Preact's option hooks (`options.vnode`, `diffed`, `__r`, `unmount`…) all stay.
 */
export const PREACT_CUTS: readonly (readonly [string, string])[] = [
  // Class components: a function component is never one (`prototype.render`), has no `contextType`.
  ['M=F.prototype&&F.prototype.render,I=(s=F.contextType)&&i[s.__c],P=s?I?I.props.value:s.__:i,', 'M=0,P=i,'],
  ['I&&I.sub(p),', ''],
  [
    'M?u.__c=p=new F(x,P):(u.__c=p=new C(x,P),p.constructor=F,p.render=Q)',
    'u.__c=p=new C(x,P),p.constructor=F,p.render=Q',
  ],
  ['p.__h=[],p._sb=[])', 'p.__h=[])'],
  ['||!p.__e&&null!=p.shouldComponentUpdate&&!1===p.shouldComponentUpdate(x,p.__s,P)', ''],
  [
    'w.push.apply(p.__h,p._sb),p._sb=[],p.__h.length&&e.push(p),f=$(t);break n',
    'p.__h.length&&e.push(p),f=$(t);break n',
  ],
  ['null!=p.componentWillUpdate&&p.componentWillUpdate(x,p.__s,P),', ''],
  ['null!=p.getChildContext&&(i=m(m({},i),p.getChildContext())),', ''],
  ['if(i.componentWillUnmount)try{i.componentWillUnmount()}catch(n){l.__e(n,u)}', ''],
  // `setState({})` is our hooks' "render again" (ui/hooks.ts): no state object, no callback.
  [
    'C.prototype.setState=function(n,l){var u;u=null!=this.__s&&this.__s!=this.state?this.__s:this.__s=m({},this.state),"function"==typeof n&&(n=n(m({},u),this.props)),n&&m(u,n),null!=n&&this.__v&&(l&&this._sb.push(l),A(this))}',
    'C.prototype.setState=function(){this.__v&&A(this)}',
  ],
  ['C.prototype.forceUpdate=function(n){this.__v&&(this.__e=!0,n&&this.__h.push(n),A(this))},', ''],
  // No error boundaries: Preact's error option walks up to find one, then throws.
  [
    '__e:function(n,l,u,t){for(var i,r,o;l=l.__;)if((i=l.__c)&&!i.__)try{if((r=i.constructor)&&null!=r.getDerivedStateFromError&&(i.setState(r.getDerivedStateFromError(n)),o=i.__d),null!=i.componentDidCatch&&(i.componentDidCatch(n,t||{}),o=i.__d),o)return i.__E=i}catch(l){n=l}throw n}',
    '__e:function(n){throw n}',
  ],
  // No Suspense (a thrown promise), no DOM children to remove (below).
  [
    'if(e.length=h,u.__v=null,c||null!=o){if(n.then){for(u.__u|=c?160:128;f&&8==f.nodeType&&f.nextSibling;)f=f.nextSibling;null!=o&&(o[o.indexOf(f)]=null),u.__e=f}else if(null!=o)for(j=o.length;j--;)b(o[j])}else u.__e=t.__e;',
    'e.length=h,u.__v=null,u.__e=t.__e;',
  ],
  ['n.then||B(u),', 'B(u),'],
  // No defaultProps.
  [
    ',"function"==typeof l&&null!=l.defaultProps)for(o in l.defaultProps)void 0===e[o]&&(e[o]=l.defaultProps[o]);',
    ');',
  ],
  // Children are strings, numbers, vnodes, arrays, booleans or null.
  [
    '"string"==typeof o||"number"==typeof o||"bigint"==typeof o||o.constructor==String?',
    '"string"==typeof o||"number"==typeof o?',
  ],
  // Style values are strings (custom properties): no "px" added to numbers.
  ['_=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,', ''],
  ['n[l]=null==u?"":"number"!=typeof u||_.test(l)?u:u+"px"', 'n[l]=null==u?"":u'],
  // SVG attributes are written as such (no xlink:href, no className).
  ['l=l.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if', ';else if'],
  [
    '"width"!=l&&"height"!=l&&"href"!=l&&"list"!=l&&"form"!=l&&"tabIndex"!=l&&"download"!=l&&"rowSpan"!=l&&"colSpan"!=l&&"role"!=l&&"popover"!=l&&l in n',
    '"width"!=l&&"height"!=l&&"href"!=l&&"role"!=l&&l in n',
  ],
  ['n.setAttribute(l,"popover"==l&&1==u?"":u)', 'n.setAttribute(l,u)'],
  // HTML and SVG elements only.
  ['"math"==x?o="http://www.w3.org/1998/Math/MathML":', ''],
  ['u=document.createElementNS(o,x,k.is&&k)', 'u=document.createElementNS(o,x)'],
  [
    '"dangerouslySetInnerHTML"==s?p=y:"children"==s||s in k||"value"==s&&"defaultValue"in k||"checked"==s&&"defaultChecked"in k||N(u,s,null,y,o)',
    '"children"==s||s in k||N(u,s,null,y,o)',
  ],
  [
    '"children"==s?v=y:"dangerouslySetInnerHTML"==s?h=y:"value"==s?w=y:"checked"==s?_=y:',
    '"children"==s?v=y:"value"==s?w=y:',
  ],
  [
    'if(h)c||p&&(h.__html==p.__html||h.__html==u.innerHTML)||(u.innerHTML=h.__html),t.__k=[];else if(p&&(u.innerHTML=""),L("template"==t.type?u.content:u,',
    'if(L(u,',
  ],
  ['"foreignObject"==x?"http://www.w3.org/1999/xhtml":o,', 'o,'],
  ['||"option"==x&&w!=m[s]', ''],
  [',s="checked",null!=_&&_!=u[s]&&N(u,s,_,m[s],o)', ''],
  // No hydration (a fresh shadow root, rendered into with `render` alone), so no suspended or
  // hydrating vnodes either.
  [
    'function R(u,t,i){var r,o,e,f;t==document&&(t=document.documentElement),l.__&&l.__(u,t),o=(r="function"==typeof i)?null:i&&i.__k||t.__k,e=[],f=[],q(t,u=(!r&&i||t).__k=k(S,null,[u]),o||d,d,t.namespaceURI,!r&&i?[i]:o?null:t.firstChild?n.call(t.childNodes):null,e,!r&&i?i:o?o.__e:t.firstChild,r,f),D(e,u,f),u.props.children=null}',
    'function R(u,t){var o=t.__k,e=[],f=[];l.__&&l.__(u,t),q(t,u=t.__k=k(S,null,[u]),o||d,d,t.namespaceURI,null,e,o?o.__e:t.firstChild,!1,f),D(e,u,f),u.props.children=null}',
  ],
  ['c&&(l.__m&&l.__m(t,e),c=!1),', ''],
  ['m===k||c&&u.data==k||(u.data=k)', 'm===k||(u.data=k)'],
  ['c&&"function"!=typeof y||m[s]===y', 'm[s]===y'],
  ['c&&"textarea"!=x||(', '('],
  ['128&t.__u&&(c=!!(32&t.__u),o=[f=u.__e=t.__e]),', ''],
  ['32&u.__u?[t]:null', 'null'],
  ['!!(32&u.__u)', '!1'],
  ['128&u.__u?void 0:f', 'f'],
  // Style is an object (custom properties), never a string.
  ['if("string"==typeof u)n.style.cssText=u;else{if("string"==typeof t&&(n.style.cssText=t=""),t)', '{if(t)'],
  // No capture-phase handlers, no onFocusIn/onFocusOut.
  ['r=l!=(l=l.replace(s,"$1")),', 'r=!1,'],
  ['s=/(PointerCapture)$|Capture$/i,', ''],
  ['||"onFocusOut"==l||"onFocusIn"==l', ''],
  [
    'n.addEventListener(l,r?v:p,r)):n.removeEventListener(l,r?v:p,r)',
    'n.addEventListener(l,p,r)):n.removeEventListener(l,p,r)',
  ],
  ['p=V(!1),v=V(!0)', 'p=V(!1)'],
  // Refs are `{current}` boxes (useRef), never functions.
  [
    'if("function"==typeof n){var i="function"==typeof n.__u;i&&n.__u(),i&&null==u||(n.__u=n(u))}else n.current=u',
    'n.current=u',
  ],
  // Nothing to reuse: `render` goes into an empty shadow root, so there are never DOM children
  // left over to adopt or remove (Preact's `excessDomChildren` stays null).
  [
    ',null!=e)for(s=0;s<e.length;s++)if((y=e[s])&&"setAttribute"in y==!!x&&(x?y.localName==x:3==y.nodeType)){u=y,e[s]=null;break}',
    ');',
  ],
  [
    'if(e="textarea"==x&&null!=k.defaultValue?null:e&&n.call(u.childNodes),!c&&null!=e)for(m={},s=0;s<u.attributes.length;s++)m[(y=u.attributes[s]).name]=y.value;',
    '',
  ],
  [',null!=e)for(s=e.length;s--;)b(e[s]);', ');'],
  ['e?e[0]:i.__k&&$(i,0)', 'i.__k&&$(i,0)'],
  ['else null==o&&u.__v==t.__v?', 'else u.__v==t.__v?'],
  // A component's render never returns a Fragment (flattened here) and none is a class.
  ['T=null!=s&&s.type===S&&null==s.key?E(s.props.children):s', 'T=s'],
  ['C.prototype.render=S,', ''],
];

/** Applies PREACT_CUTS to `code`; throws naming the first cut not found exactly once. */
export function trimPreact(code: string): string {
  for (const [from, to] of PREACT_CUTS) {
    const at = code.indexOf(from);
    if (at < 0 || code.indexOf(from, at + 1) >= 0) {
      throw new Error(`preact-trim: not found exactly once in preact.module.js: ${from}`);
    }
    code = code.slice(0, at) + to + code.slice(at + from.length);
  }
  return code;
}

export const preactTrim = (): Plugin => ({
  name: 'switchboard-preact-trim',
  enforce: 'pre',
  transform(code, id) {
    if (!/[\\/]preact[\\/]dist[\\/]preact\.module\.js$/.test(id)) return null;
    return { code: trimPreact(code), map: null };
  },
});
