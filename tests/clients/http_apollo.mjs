// Apollo Client 4 against a live server: automatic persisted queries through Apollo's own
// link (POST, then GET with useGETForHashedQueries), and a refused credential surfacing as
// GraphQL errors with their code.
// Usage: node tests/clients/http_apollo.mjs http://127.0.0.1:PORT/graphql
// Prints one JSON object: every HTTP exchange the clients made and what each query gave.
import { createHash } from 'node:crypto';
import {
  ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError, gql,
} from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';

const url = process.argv[2];
const exchanges = [];

// fetch, recording what went over the wire (the link decides; this only looks)
async function recordingFetch(input, init = {}) {
  const target = new URL(typeof input === 'string' ? input : input.url);
  const body = init.body ? JSON.parse(init.body) : null;
  const response = await fetch(input, init);
  const params = Object.fromEntries(target.searchParams);
  const sent = body ?? params;
  const extensions = typeof sent.extensions === 'string' ? JSON.parse(sent.extensions) : sent.extensions;
  exchanges.push({
    method: init.method ?? 'GET',
    withQuery: Boolean(sent.query),
    hash: extensions?.persistedQuery?.sha256Hash ?? null,
    accept: new Headers(init.headers).get('accept'),
    status: response.status,
    contentType: response.headers.get('content-type'),
    cacheControl: response.headers.get('cache-control'),
    vary: response.headers.get('vary'),
  });
  return response;
}

function client({ useGET = false, headers = {} } = {}) {
  const persisted = new PersistedQueryLink({
    sha256: (text) => createHash('sha256').update(text).digest('hex'),
    useGETForHashedQueries: useGET,
  });
  const http = new HttpLink({ uri: url, fetch: recordingFetch, headers });
  return new ApolloClient({ link: ApolloLink.from([persisted, http]), cache: new InMemoryCache() });
}

async function run(label, apollo, query) {
  const start = exchanges.length;
  let outcome;
  try {
    const { data } = await apollo.query({ query, fetchPolicy: 'network-only' });
    outcome = { data };
  } catch (error) {
    outcome = {
      error: CombinedGraphQLErrors.is(error) ? 'CombinedGraphQLErrors'
        : ServerError.is(error) ? 'ServerError' : error.name,
      codes: CombinedGraphQLErrors.is(error) ? error.errors.map((e) => e.extensions?.code) : [],
      message: error.message,
    };
  }
  return { label, ...outcome, exchanges: exchanges.slice(start) };
}

const DESTINATIONS = gql`query ApqDestinations { destinations(first: 2) { edges { node { id name } } } }`;
const NEARBY = gql`query ApqNearby {
  nearbyDestinations(near: {lat: 10.9804, lng: 106.6519}, radiusMeters: 5000, first: 3) {
    edges { distanceMeters node { id name } }
  }
}`;
const TYPENAME = gql`query Me { __typename }`;

const results = [
  await run('post-first', client(), DESTINATIONS),
  await run('post-again', client(), DESTINATIONS),
  await run('get-first', client({ useGET: true }), NEARBY),
  await run('get-again', client({ useGET: true }), NEARBY),
  await run('bad-token', client({ headers: { authorization: 'Bearer not-a-token' } }), TYPENAME),
];
console.log(JSON.stringify(results));
