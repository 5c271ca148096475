/** Pragmatic email check for the pre-chat form: something@domain.tld, no spaces. */
export const isEmail = (v: string): boolean => /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(v);
