/**
 * The empty states' picture, inline: Polaris's EmptyState wants an image URL, and Shopify's CDN
 * images would be the admin's only network request beyond Recur itself.
 */
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="226" height="160" viewBox="0 0 226 160">
<rect x="33" y="20" width="160" height="120" rx="14" fill="#e3e3e3"/>
<rect x="53" y="42" width="120" height="12" rx="6" fill="#fff"/>
<rect x="53" y="66" width="88" height="12" rx="6" fill="#fff"/>
<rect x="53" y="90" width="104" height="12" rx="6" fill="#fff"/>
<circle cx="170" cy="116" r="22" fill="#8a8a8a"/>
<path d="M161 116h18M170 107v18" stroke="#fff" stroke-width="4" stroke-linecap="round"/>
</svg>`;

export const EMPTY_ILLUSTRATION = `data:image/svg+xml,${encodeURIComponent(svg)}`;
