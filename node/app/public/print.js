// The print page's button (no inline handler: the CSP allows scripts from files only).
document.querySelector('[data-print]')?.addEventListener('click', () => window.print());
