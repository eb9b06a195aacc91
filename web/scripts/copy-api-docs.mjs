// Copies swagger-ui-dist into dist/api-docs/ with a page that loads the hub's OpenAPI
// document, so `ersilia-hub serve` can show the API docs at /api/v1/docs/ without a CDN.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const source = dirname(require.resolve('swagger-ui-dist/package.json'));
const target = join('dist', 'api-docs');
mkdirSync(target, { recursive: true });
for (const file of ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png']) {
  copyFileSync(join(source, file), join(target, file));
}
writeFileSync(
  join(target, 'index.html'),
  `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Ersilia Hub API</title>
  <link rel="stylesheet" href="/api/v1/docs/swagger-ui.css" />
  <link rel="icon" type="image/png" href="/api/v1/docs/favicon-32x32.png" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/v1/docs/swagger-ui-bundle.js"></script>
  <script src="/api/v1/docs/init.js"></script>
</body>
</html>
`,
);
writeFileSync(
  join(target, 'init.js'),
  `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui' });\n`,
);
