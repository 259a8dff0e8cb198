// The GraphiQL page in headless Chromium (Debian's, driven by
// playwright-core): `node graphiql-check.mjs <base-url> <email> <password>`.
// Loads /graphql, checks that the docs explorer is populated from
// introspection, signs in through the panel, runs `{ me { email } }` and
// checks the result shows the e-mail. Fails on any page error or request
// that leaves the server. Exits 0 when all holds.
import { chromium } from 'playwright-core';

const [base, email, password] = process.argv.slice(2);
if (!base || !email || !password) {
  console.error('usage: node graphiql-check.mjs <base-url> <email> <password>');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
const problems = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('request', (req) => {
    if (!req.url().startsWith(base) && !req.url().startsWith('data:')) {
      problems.push(`request off the server: ${req.url()}`);
    }
  });
  await page.goto(`${base}/graphql`, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-container', { timeout: 20000 });

  // The docs explorer, from the introspected schema.
  await page.click('button[aria-label="Show Documentation Explorer"]');
  await page.waitForSelector('.graphiql-doc-explorer', { timeout: 20000 });
  await page.click('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name:has-text("Query")');
  await page.waitForSelector('.graphiql-doc-explorer-field-name:has-text("clients")', { timeout: 20000 });
  console.log('docs explorer: Query lists clients');

  // Sign in through the panel.
  await page.fill('#tandem-email', email);
  await page.fill('#tandem-password', password);
  await page.click('#tandem-signin');
  await page.waitForFunction(
    (who) => document.getElementById('tandem-status').textContent.includes(who),
    email,
    { timeout: 20000 },
  );
  console.log('signed in:', await page.textContent('#tandem-status'));

  // Run `{ me { email } }`.
  await page.evaluate(() => {
    const editor = document.querySelector('.graphiql-query-editor .CodeMirror');
    editor.CodeMirror.setValue('{ me { email } }');
  });
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    (who) => {
      const result = document.querySelector('.result-window .CodeMirror');
      return result && result.CodeMirror.getValue().includes(who);
    },
    email,
    { timeout: 20000 },
  );
  console.log('ran { me { email } }:', await page.evaluate(
    () => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue().replace(/\s+/g, ' '),
  ));
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });
} catch (err) {
  problems.push(String(err));
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('GraphiQL works offline');
