// urql 6 (@urql/core) with its document cache, against the live server at TOURISM_GRAPHQL_URL.
// `node cache_urql.mjs <scenario>`: prints what the clients read as one JSON document; the
// pytest side compares it with the demo data.
import { Client, cacheExchange, fetchExchange, gql } from "@urql/core";

const url = process.env.TOURISM_GRAPHQL_URL;
let requests = 0;

function client(headers = {}) {
  const counted = (input, init) => { requests += 1; return fetch(input, init); };
  return new Client({ url, exchanges: [cacheExchange, fetchExchange], fetch: counted,
                      fetchOptions: { headers }, preferGetMethod: false });
}

const LIST = gql`
  query List { destinations(first: 100) { nodes { id slug name nameLang } } }`;
const LIST_IN = gql`
  query ListIn($lang: String) {
    destinations(first: 100) { nodes { id slug name(lang: $lang) nameLang(lang: $lang) } }
  }`;

const read = async (urql, query, variables = {}, requestPolicy = "cache-first") => {
  const result = await urql.query(query, variables, { requestPolicy }).toPromise();
  if (result.error) throw result.error;
  return { nodes: result.data.destinations.nodes,
           outcome: result.operation.context.meta?.cacheOutcome ?? null };
};

// One client per language, the language in its headers (a kiosk's language switch makes a
// new client): each keeps its own language, on the network and from its cache.
async function headers() {
  const korean = client({ "Accept-Language": "ko-KR,ko;q=0.9" });
  const english = client({ "X-Tourism-Language": "en", "Accept-Language": "vi" });
  const found = {};
  found.korean = await read(korean, LIST);
  found.english = await read(english, LIST);
  const before = requests;
  found.koreanAgain = await read(korean, LIST);
  found.englishAgain = await read(english, LIST);
  found.againRequests = requests - before;
  return found;
}

// One client, the language as a variable of the localized fields: the document cache keys
// each language apart.
async function variables() {
  const urql = client();
  const found = {};
  found.english = await read(urql, LIST_IN, { lang: "en" });
  found.vietnamese = await read(urql, LIST_IN, { lang: "vi" });
  const before = requests;
  found.englishCached = await read(urql, LIST_IN, { lang: "en" }, "cache-only");
  found.cachedRequests = requests - before;
  return found;
}

// Refusals surface as CombinedError with each error's extensions.code.
async function errors() {
  const urql = client();
  const attempts = {
    badId: gql`{ destination(id: "bm90IGFuIGlk") { id } }`,
    badLanguage: gql`{ destinations(first: 1) { nodes { name(lang: "not a language!") } } }`,
    badRootLanguage: gql`{ destinations(first: 1, lang: "xx-!!") { nodes { name } } }`,
  };
  const found = {};
  for (const [name, query] of Object.entries(attempts)) {
    const result = await urql.query(query, {}, { requestPolicy: "network-only" }).toPromise();
    found[name] = {
      data: result.data ?? null,
      codes: (result.error?.graphQLErrors ?? []).map((e) => e.extensions?.code ?? null),
      networkError: result.error?.networkError ? String(result.error.networkError) : null,
    };
  }
  return found;
}

const scenarios = { headers, variables, errors };
const found = await scenarios[process.argv[2]]();
process.stdout.write(JSON.stringify(found));
