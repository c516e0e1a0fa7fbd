/**
 * Bull Board's page asks Google Fonts for IBM Plex: offline that request fails (and waits), and
 * online it tells a third party who opens the board. The link is dropped; the board's style sheet
 * falls back to the system's sans-serif and monospace fonts.
 */
const REMOTE_FONTS = /<link\b[^>]*\bhref="https:\/\/fonts\.(?:googleapis|gstatic)\.com[^"]*"[^>]*>\s*/gi;

export const withoutRemoteFonts = (html: string): string => html.replace(REMOTE_FONTS, '');
