import { openAiProtocolBackend } from './openai';

/** xAI's Grok vision models speak OpenAI's protocol at xAI's base URL. */
export const xaiBackend = openAiProtocolBackend({
  name: 'xai',
  queue: 'api-xai',
  defaultModel: 'grok-2-vision-1212',
  description: 'xAI Grok vision models through the OpenAI SDK; XAI_API_KEY',
  pricingProvider: 'xai',
  remote: true,
  key: { variable: 'XAI_API_KEY', example: 'xai-...', pattern: /^xai-[\w-]{6,}$/ },
  baseUrlVariable: 'XAI_BASE_URL',
  defaultBaseUrl: 'https://api.x.ai/v1',
});
