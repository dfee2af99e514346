// searchTermsOf: the words a task is found by.
import { MAX_SEARCH_TERMS, searchTermsOf, wordsOf } from './search-terms';

describe('searchTermsOf', () => {
  it('collects the lowercase words of every string and number, nested, once each', () => {
    const terms = searchTermsOf({ prompt: 'A red Fox, a red fox!', opts: { style: ['Noir-ish'], seed: 42 }, on: true });
    expect(terms.sort()).toEqual(['42', 'a', 'fox', 'ish', 'noir', 'red'].sort());
  });

  it('keeps letters of any script and bounds the number of words', () => {
    expect(searchTermsOf({ p: 'Café 東京' })).toEqual(['café', '東京']);
    const many = { p: Array.from({ length: MAX_SEARCH_TERMS + 50 }, (_, i) => `w${i}`).join(' ') };
    expect(searchTermsOf(many)).toHaveLength(MAX_SEARCH_TERMS);
  });

  it('cuts a query into the same words', () => {
    expect(wordsOf('  Red FOX ')).toEqual(['red', 'fox']);
    expect(wordsOf('--')).toEqual([]);
  });
});
