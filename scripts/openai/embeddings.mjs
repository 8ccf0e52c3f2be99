// Calls a Cerebrum gateway's /v1/embeddings with the official openai npm client, as an app would.
//   node embeddings.mjs BASE_URL MODEL TEXT...   (BASE_URL like http://127.0.0.1:8080/v1; key in $OPENAI_API_KEY, any for an open gateway)
// Prints one JSON line: {"model", "usage", "embeddings": [[...], ...]}; on an API error, one line {"error": {"status", "message"}} and exit 1.
import OpenAI from 'openai';

const [baseURL, model, ...texts] = process.argv.slice(2);
if (!baseURL || !model || texts.length === 0) {
  console.error('usage: node embeddings.mjs BASE_URL MODEL TEXT...');
  process.exit(2);
}
const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'none', baseURL, maxRetries: 0 });
try {
  const input = texts.length === 1 ? texts[0] : texts;
  const response = await client.embeddings.create({ model, input });
  console.log(JSON.stringify({ model: response.model, usage: response.usage, embeddings: response.data.map((d) => d.embedding) }));
} catch (error) {
  console.log(JSON.stringify({ error: { status: error.status ?? null, message: error.message } }));
  process.exit(1);
}
