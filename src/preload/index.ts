/** Exposes exactly the contract to the page as `window.kvscope`, and nothing else. */
import { contextBridge, ipcRenderer } from 'electron';
import { exposeApi } from './api.js';

exposeApi(contextBridge, ipcRenderer);
