import type { CaptionBackend } from './backend';
import { openAiProtocolBackend } from './openai';

/**
 * A vision model served locally with an OpenAI-compatible API (Ollama, vLLM, llama.cpp, LM Studio),
 * e.g. Qwen2.5-VL. It runs on the gpu queue (one request at a time per worker by default) and sends
 * nothing off the machine unless --base-url points elsewhere.
 */
export const openAiCompatibleBackend: CaptionBackend = {
  ...openAiProtocolBackend({
    name: 'openai-compatible',
    queue: 'gpu',
    defaultModel: 'qwen2.5vl:7b',
    description: 'a local OpenAI-compatible server (--base-url, default http://127.0.0.1:11434/v1 = Ollama)',
    remote: false,
    baseUrlVariable: 'OPENAI_COMPATIBLE_BASE_URL',
    defaultBaseUrl: 'http://127.0.0.1:11434/v1',
  }),
  // Its own run option: --base-url, pcc.yaml caption.base_url, API field baseUrl.
  options: [
    {
      key: 'baseUrl',
      type: 'string',
      flag: 'base-url',
      section: 'caption',
      configKey: 'base_url',
      help: 'endpoint of an openai-compatible server (Ollama, vLLM, llama.cpp, LM Studio)',
      example: 'http://127.0.0.1:11434/v1',
    },
  ],
};
